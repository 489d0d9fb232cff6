import { TerraformVariable } from 'cdktf';
import type { Construct } from 'constructs';
import { LOG_LEVELS } from '../lambda/config/log-level.js';
import { ECR_REPOSITORY_PATTERN } from '../lambda/ecr/repository-name.js';
import { MIN_WEBHOOK_SECRET_BYTES } from '../lambda/webhook/secret-strength.js';
import { hcl } from './hcl.js';
import { MAX_CONCURRENCY, RESERVED_CONCURRENCY_MAX, RESERVED_CONCURRENCY_MIN, UNRESERVED } from './limits.js';

// Patterns are RE2 (Terraform's `regex`) and JavaScript alike, written without
// backslashes so they survive JSON and HCL string escaping unchanged.

/** One OCI path component, with `*` allowed wherever a letter is: `library`, `python*`, `*`. */
const GLOB_COMPONENT = '[a-z0-9*]+(?:(?:[._]|__|-+)[a-z0-9*]+)*';
/** A tag with `*` allowed wherever a tag character is: `3.12-*`, `*-slim`; 1 to 128 characters, as a tag. */
const TAG_GLOB = '[A-Za-z0-9_*][A-Za-z0-9._*-]{0,127}';
/**
 * An `allowed_repos` entry, `REPOSITORY-GLOB[:TAG-GLOB]`: the OCI repository grammar and the tag
 * grammar, each with `*` read as any character of it (`library/*`, `python*`, `python:3.12-*`).
 * The same grammar as the function's parser (lambda/webhook/allowed-repos.ts).
 */
export const ALLOWED_REPO_PATTERN = `^${GLOB_COMPONENT}(?:/${GLOB_COMPONENT})*(?::${TAG_GLOB})?$`;
/** Repository names are at most 255 characters (the tag part's bound is in the pattern). */
export const ALLOWED_REPO_MAX_REPOSITORY_LENGTH = 255;

/**
 * An EventBridge schedule: `rate(1 hour)`, `rate(6 hours)` (singular for 1, plural otherwise, as
 * EventBridge demands) or a six-field `cron(0 3 * * ? *)`; "" turns the schedule off.
 */
export const RECONCILE_SCHEDULE_PATTERN =
  '^(?:rate[(](?:1 (?:minute|hour|day)|(?:[2-9]|[1-9][0-9]+) (?:minutes|hours|days))[)]|cron[(][^ ()]+(?: [^ ()]+){5}[)])$';

const HOST_PATTERN = '^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:[.][a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*(?::[0-9]{1,5})?$';
const REGION_PATTERN = '^[a-z]{2}(?:-[a-z]+)+-[0-9]+$';
const EMAIL_PATTERN = '^[^@[:space:]]+@[^@[:space:]]+[.][^@[:space:]]+$';

/** CloudWatch Logs accepts only these retention periods; 0 means never expire. */
export const LOG_RETENTION_DAYS = [
  0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** Powertools Logger's levels. */
export { LOG_LEVELS };

export interface Variables {
  readonly awsRegion: TerraformVariable;
  readonly dstRepo: TerraformVariable;
  readonly rootRegistryHost: TerraformVariable;
  readonly rootRegistryUsername: TerraformVariable;
  readonly webhookSigningSecret: TerraformVariable;
  readonly rootApiKey: TerraformVariable;
  readonly allowedRepos: TerraformVariable;
  readonly reconcileSchedule: TerraformVariable;
  readonly imageTagMutability: TerraformVariable;
  readonly propagateBasePolicies: TerraformVariable;
  readonly logRetentionDays: TerraformVariable;
  readonly logLevel: TerraformVariable;
  readonly lambdaMemoryMb: TerraformVariable;
  readonly lambdaTimeoutS: TerraformVariable;
  readonly lambdaReservedConcurrency: TerraformVariable;
  readonly alarmEmail: TerraformVariable;
  readonly tags: TerraformVariable;
  readonly copyReferrers: TerraformVariable;
}

const list = (values: readonly (string | number)[]): string => JSON.stringify(values);
const matches = (pattern: string, value: string): string => `can(regex("${pattern}", ${value}))`;

export function defineVariables(scope: Construct): Variables {
  return {
    awsRegion: new TerraformVariable(scope, 'aws_region', {
      type: 'string',
      default: 'us-east-1',
      description: 'AWS region to deploy into; the mirrored images land in this region\'s ECR.',
      nullable: false,
      validation: [{ condition: hcl(matches(REGION_PATTERN, 'var.aws_region')), errorMessage: 'aws_region must be a region code such as us-east-1.' }],
    }),
    dstRepo: new TerraformVariable(scope, 'dst_repo', {
      type: 'string',
      default: 'root-mirror',
      description: 'Base ECR repository. Each Root repository is mirrored to <dst_repo>/<repo>, created with this repository\'s policies.',
      nullable: false,
      validation: [
        {
          // 128 leaves room beneath it for the mirrored repository paths (ECR allows 256 in all).
          condition: hcl(`${matches(ECR_REPOSITORY_PATTERN, 'var.dst_repo')} && length(var.dst_repo) >= 2 && length(var.dst_repo) <= 128`),
          errorMessage: 'dst_repo must be an ECR repository name: lower-case letters, digits and . _ - / separators, 2 to 128 characters.',
        },
      ],
    }),
    rootRegistryHost: new TerraformVariable(scope, 'root_registry_host', {
      type: 'string',
      default: 'cr.root.io',
      description: 'Root\'s registry. The Root API key is only ever sent to this host.',
      nullable: false,
      validation: [{ condition: hcl(matches(HOST_PATTERN, 'var.root_registry_host')), errorMessage: 'root_registry_host must be a lower-case host name, optionally with :port, without scheme or path.' }],
    }),
    rootRegistryUsername: new TerraformVariable(scope, 'root_registry_username', {
      type: 'string',
      default: 'root',
      description: 'User name sent with root_api_key when pulling from root_registry_host: "rootio" with a Root registry token, "root" with a Root API key (README: Root credentials).',
      nullable: false,
      validation: [{ condition: hcl('length(trimspace(var.root_registry_username)) > 0'), errorMessage: 'root_registry_username must not be empty.' }],
    }),
    webhookSigningSecret: new TerraformVariable(scope, 'webhook_signing_secret', {
      type: 'string',
      default: '',
      sensitive: true,
      nullable: false,
      description:
        'Webhook signing secret Root returns when you register webhook_url. Leave "" on the first apply; then set it and apply again, ' +
        'or put it with `aws secretsmanager put-secret-value` (no redeploy). Until it is set the webhook answers 503.',
      validation: [
        {
          condition: hcl(webhookSecretCondition('var.webhook_signing_secret')),
          errorMessage:
            `webhook_signing_secret must be "" (not set yet) or a secret of at least ${MIN_WEBHOOK_SECRET_BYTES} bytes ` +
            `(for whsec_ secrets, after base64-decoding what follows whsec_): use the secret Root returned.`,
        },
      ],
    }),
    rootApiKey: new TerraformVariable(scope, 'root_api_key', {
      type: 'string',
      sensitive: true,
      nullable: false,
      description: 'The password for root_registry_host: a Root registry token or API key, matching root_registry_username. "" to put the value out of band with `aws secretsmanager put-secret-value`.',
    }),
    allowedRepos: new TerraformVariable(scope, 'allowed_repos', {
      type: 'list(string)',
      default: [],
      nullable: false,
      description:
        'Root repositories to mirror: exact names or globs with * (library/*, python*), each optionally with a tag glob ' +
        '(python:3.12-*) that limits it to the matching tags. Empty mirrors every repository. Changing it and applying ' +
        'updates the function\'s environment and reconciles the new list: the images Root already has appear.',
      validation: [
        {
          condition: hcl(
            `alltrue([for r in var.allowed_repos : ${matches(ALLOWED_REPO_PATTERN, 'r')} && ` +
              `length(split(":", r)[0]) <= ${ALLOWED_REPO_MAX_REPOSITORY_LENGTH}])`,
          ),
          errorMessage:
            'Each allowed_repos entry must be a repository path (lower-case letters and digits, separated by . _ __ - or /), ' +
            'optionally followed by :TAG (letters, digits, . _ -, not starting with . or -), where * may stand for any characters, ' +
            'e.g. "library/nginx", "library/*", "python*", "python:3.12-*".',
        },
      ],
    }),
    reconcileSchedule: new TerraformVariable(scope, 'reconcile_schedule', {
      type: 'string',
      default: 'rate(6 hours)',
      nullable: false,
      description:
        'How often the function reconciles: lists the tags of every repository in allowed_repos on Root and queues those missing ' +
        'here or naming another digest, so a lost webhook is made good. An EventBridge schedule expression, rate(6 hours) or ' +
        'cron(0 3 * * ? *); "" turns the schedule off (the reconcile on apply still runs).',
      validation: [
        {
          condition: hcl(`var.reconcile_schedule == "" || ${matches(RECONCILE_SCHEDULE_PATTERN, 'var.reconcile_schedule')}`),
          errorMessage:
            'reconcile_schedule must be "" (off), rate(N unit) with unit minute, hour or day (singular for 1, plural otherwise: ' +
            'rate(1 hour), rate(6 hours)), or a six-field cron(minutes hours day-of-month month day-of-week year).',
        },
      ],
    }),
    imageTagMutability: new TerraformVariable(scope, 'image_tag_mutability', {
      type: 'string',
      default: 'MUTABLE',
      nullable: false,
      description: 'Tag mutability of the base repository, copied to every mirrored repository. IMMUTABLE refuses to move a tag to a new digest.',
      validation: [{ condition: hcl('contains(["MUTABLE", "IMMUTABLE"], var.image_tag_mutability)'), errorMessage: 'image_tag_mutability must be MUTABLE or IMMUTABLE.' }],
    }),
    propagateBasePolicies: new TerraformVariable(scope, 'propagate_base_policies', {
      type: 'bool',
      default: true,
      nullable: false,
      description:
        'Bring the repository policy and lifecycle policy of every mirrored repository up to the base repository\'s when they change there. ' +
        'A mirrored repository\'s policy changed by hand is never overwritten: it is logged as drift and counted in the PolicyDrift metric. ' +
        'false = copy the policies only when a repository is created.',
    }),
    logRetentionDays: new TerraformVariable(scope, 'log_retention_days', {
      type: 'number',
      default: 14,
      nullable: false,
      description: 'Days CloudWatch keeps the function\'s logs (0 = never expire).',
      validation: [{ condition: hcl(`contains(${list(LOG_RETENTION_DAYS)}, var.log_retention_days)`), errorMessage: `log_retention_days must be one of ${LOG_RETENTION_DAYS.join(', ')}.` }],
    }),
    logLevel: new TerraformVariable(scope, 'log_level', {
      type: 'string',
      default: 'INFO',
      nullable: false,
      description: 'Log level of the function (POWERTOOLS_LOG_LEVEL).',
      validation: [{ condition: hcl(`contains(${list(LOG_LEVELS)}, var.log_level)`), errorMessage: `log_level must be one of ${LOG_LEVELS.join(', ')}.` }],
    }),
    lambdaMemoryMb: new TerraformVariable(scope, 'lambda_memory_mb', {
      type: 'number',
      default: 1024,
      nullable: false,
      description: 'Function memory in MB; Lambda allots CPU and network bandwidth in proportion.',
      validation: [
        {
          condition: hcl('var.lambda_memory_mb >= 128 && var.lambda_memory_mb <= 10240 && floor(var.lambda_memory_mb) == var.lambda_memory_mb'),
          errorMessage: 'lambda_memory_mb must be a whole number from 128 to 10240.',
        },
      ],
    }),
    lambdaTimeoutS: new TerraformVariable(scope, 'lambda_timeout_s', {
      type: 'number',
      default: 900,
      nullable: false,
      description: 'Function timeout in seconds: the longest one image copy may take. The queue\'s visibility timeout is 6 times this.',
      validation: [
        {
          condition: hcl('var.lambda_timeout_s >= 60 && var.lambda_timeout_s <= 900 && floor(var.lambda_timeout_s) == var.lambda_timeout_s'),
          errorMessage: 'lambda_timeout_s must be a whole number from 60 to 900: a copy needs time to make progress between its stops.',
        },
      ],
    }),
    lambdaReservedConcurrency: new TerraformVariable(scope, 'lambda_reserved_concurrency', {
      type: 'number',
      default: UNRESERVED,
      nullable: false,
      description:
        `Concurrent executions reserved for, and the most allowed to, the function: -1 = none reserved. A reservation caps what a flood of ` +
        `requests to the public webhook URL can take from the account, and comes out of the account's unreserved concurrency, of which ` +
        `AWS keeps at least 100 unreserved. At least ${RESERVED_CONCURRENCY_MIN}: the queue trigger already runs up to ${MAX_CONCURRENCY} copies at once.`,
      validation: [
        {
          condition: hcl(
            `var.lambda_reserved_concurrency == ${UNRESERVED} || (var.lambda_reserved_concurrency >= ${RESERVED_CONCURRENCY_MIN} && ` +
              `var.lambda_reserved_concurrency <= ${RESERVED_CONCURRENCY_MAX} && floor(var.lambda_reserved_concurrency) == var.lambda_reserved_concurrency)`,
          ),
          errorMessage:
            `lambda_reserved_concurrency must be ${UNRESERVED} (no reservation) or a whole number from ${RESERVED_CONCURRENCY_MIN} to ${RESERVED_CONCURRENCY_MAX}: ` +
            `fewer would throttle the queue trigger's ${MAX_CONCURRENCY} parallel copies and leave no room for webhooks.`,
        },
      ],
    }),
    alarmEmail: new TerraformVariable(scope, 'alarm_email', {
      type: 'string',
      default: '',
      nullable: false,
      description:
        'Address that receives the alarms (dead-letter queue not empty, function errors, webhook answered with a 5xx). "" = no notifications. ' +
        'AWS emails a confirmation link first.',
      validation: [{ condition: hcl(`var.alarm_email == "" || ${matches(EMAIL_PATTERN, 'var.alarm_email')}`), errorMessage: 'alarm_email must be an e-mail address or "".' }],
    }),
    copyReferrers: new TerraformVariable(scope, 'copy_referrers', {
      type: 'bool',
      default: true,
      nullable: false,
      description:
        'Copy each image\'s signatures, attestations, SBOMs and VEX documents (its OCI referrers and cosign tags) with it, ' +
        'before its tag moves, so cosign verify and oras discover work against ECR. false copies the image alone.',
    }),
    tags: new TerraformVariable(scope, 'tags', {
      type: 'map(string)',
      default: {},
      nullable: false,
      description: 'Tags applied to every resource this stack creates (the repositories the function creates are not managed by Terraform).',
    }),
  };
}

/**
 * Terraform's form of webhookSecretProblem: empty, or at least MIN_WEBHOOK_SECRET_BYTES key bytes.
 * base64decode cannot measure a key (it insists the bytes be UTF-8), so a base64 text's byte
 * count is taken from its length: every 4 characters without padding carry 3 bytes.
 */
export function webhookSecretCondition(variable: string): string {
  const rest = `trimprefix(${variable}, "whsec_")`;
  const keyBytes = `can(regex("^whsec_[A-Za-z0-9+/]+={0,2}$", ${variable})) ? floor(length(replace(${rest}, "=", "")) * 3 / 4) : length(${rest})`;
  return `${variable} == "" || (${keyBytes}) >= ${MIN_WEBHOOK_SECRET_BYTES}`;
}
