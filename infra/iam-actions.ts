/**
 * What the function's role may do, as data. `least-privilege.test.ts` derives the
 * required actions from the AWS SDK commands that `lambda/` sends plus the
 * non-SDK lists below, and fails when GRANTS allows anything more or less:
 * align GRANTS with that test's message when the Lambda code changes.
 */

/** Resources a statement may name; `iam.ts` turns each into ARNs. */
export type ResourceScope =
  | 'anyResource' // only for ecr:GetAuthorizationToken, which IAM cannot scope
  | 'baseRepository' // dst_repo itself: read only, it is the template
  | 'mirroredRepositories' // everything beneath dst_repo, which the function creates and pushes to
  | 'allRepositories' // repository/* of the account and region: only for ecr:DescribeRepositories, see GRANTS
  | 'secrets' // the webhook secret and the Root API key, nothing else
  | 'queue'
  | 'deadLetterQueue'
  | 'logGroup'; // the function's own log group

export interface Grant {
  readonly sid: string;
  readonly scope: ResourceScope;
  readonly actions: readonly string[];
}

/**
 * ECR actions behind the OCI registry API (`<account>.dkr.ecr.<region>.amazonaws.com/v2/`).
 * The copy engine speaks that HTTP protocol itself, so no SDK command names them:
 * HEAD/GET blob → BatchCheckLayerAvailability, GetDownloadUrlForLayer (also the cross-repository
 * mount source); upload → InitiateLayerUpload, UploadLayerPart, CompleteLayerUpload;
 * GET/HEAD manifest and GET referrers → BatchGetImage; PUT manifest → PutImage.
 */
export const REGISTRY_PROTOCOL_ECR_ACTIONS = [
  'ecr:BatchCheckLayerAvailability',
  'ecr:BatchGetImage',
  'ecr:CompleteLayerUpload',
  'ecr:GetDownloadUrlForLayer',
  'ecr:InitiateLayerUpload',
  'ecr:PutImage',
  'ecr:UploadLayerPart',
] as const;

/** The Lambda service polls the queue with the function's role for the event source mapping. */
export const EVENT_SOURCE_MAPPING_SQS_ACTIONS = ['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'] as const;

/** The Lambda runtime writes the function's stdout to its log group (EMF metrics included) with the role. */
export const RUNTIME_LOG_ACTIONS = ['logs:CreateLogStream', 'logs:PutLogEvents'] as const;

/** Every action the role needs that no SDK command in `lambda/` reveals. */
export const NON_SDK_ACTIONS: readonly string[] = [...REGISTRY_PROTOCOL_ECR_ACTIONS, ...EVENT_SOURCE_MAPPING_SQS_ACTIONS, ...RUNTIME_LOG_ACTIONS];

export const GRANTS: readonly Grant[] = [
  { sid: 'EcrAuthorizationToken', scope: 'anyResource', actions: ['ecr:GetAuthorizationToken'] },
  {
    sid: 'ReadBaseRepository',
    scope: 'baseRepository',
    // A new repository copies both the base's policies (its settings: DescribeRepositories, below).
    // Nothing writes to the base: a compromised function cannot change the policies it copies.
    actions: ['ecr:GetLifecyclePolicy', 'ecr:GetRepositoryPolicy'],
  },
  // DescribeRepositories naming no repository (the reconcile's listing of dst_repo/*, lambda/ecr/images.ts) is authorized on repository/*: names and settings only, no image or policy.
  { sid: 'DescribeRepositories', scope: 'allRepositories', actions: ['ecr:DescribeRepositories'] },
  {
    sid: 'EcrMirrorRepositories',
    scope: 'mirroredRepositories',
    actions: [
      // The worker ensures <dst_repo>/<repo> exists with the base repository's settings and policies,
      // then pushes to it. The reads are granted here too: these are repositories it wrote itself.
      'ecr:CreateRepository',
      // Base-policy propagation removes a policy the base no longer has (propagate-policies.ts).
      'ecr:DeleteLifecyclePolicy',
      'ecr:DeleteRepositoryPolicy',
      'ecr:GetLifecyclePolicy',
      'ecr:GetRepositoryPolicy',
      // The reconcile reads which tags a mirrored repository holds, a thousand per call.
      'ecr:ListImages',
      'ecr:ListTagsForResource',
      'ecr:PutLifecyclePolicy',
      'ecr:SetRepositoryPolicy',
      'ecr:TagResource',
      ...REGISTRY_PROTOCOL_ECR_ACTIONS,
    ],
  },
  { sid: 'ReadOwnSecrets', scope: 'secrets', actions: ['secretsmanager:GetSecretValue'] },
  {
    sid: 'UseMirrorQueue',
    scope: 'queue',
    // The intake sends; the worker delays retries by changing visibility; the rest is the event source mapping.
    actions: ['sqs:ChangeMessageVisibility', 'sqs:SendMessage', ...EVENT_SOURCE_MAPPING_SQS_ACTIONS],
  },
  // The worker sends permanent failures straight to the dead-letter queue, with the reason.
  { sid: 'SendToDeadLetterQueue', scope: 'deadLetterQueue', actions: ['sqs:SendMessage'] },
  { sid: 'WriteOwnLogs', scope: 'logGroup', actions: [...RUNTIME_LOG_ACTIONS] },
];
