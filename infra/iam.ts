import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document/index.js';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
import type { Construct } from 'constructs';
import { GRANTS, type ResourceScope } from './iam-actions.js';
import { ROLE_NAME } from './names.js';

export interface GrantTargets {
  readonly repositoryArn: string;
  readonly secretArns: readonly string[];
  readonly queueArn: string;
  readonly deadLetterQueueArn: string;
  readonly logGroupArn: string;
}

export interface FunctionRole {
  readonly role: IamRole;
  /** Depend on this, not on the role, wherever AWS checks the permissions at creation (event source mapping). */
  readonly policy: IamRolePolicy;
}

export function functionRole(scope: Construct, targets: GrantTargets): FunctionRole {
  const trust = new DataAwsIamPolicyDocument(scope, 'lambda_assume_role', {
    statement: [{ effect: 'Allow', actions: ['sts:AssumeRole'], principals: [{ type: 'Service', identifiers: ['lambda.amazonaws.com'] }] }],
  });
  const role = new IamRole(scope, 'function_role', {
    name: ROLE_NAME,
    description: 'root-ecr-mirror Lambda: mirrors Root images into ECR, nothing else.',
    assumeRolePolicy: trust.json,
  });

  const resources: Record<ResourceScope, string[]> = {
    anyResource: ['*'],
    baseRepository: [targets.repositoryArn],
    mirroredRepositories: [`${targets.repositoryArn}/*`],
    secrets: [...targets.secretArns],
    queue: [targets.queueArn],
    deadLetterQueue: [targets.deadLetterQueueArn],
    // Log streams are addressed as log-group:<name>:log-stream:<stream>.
    logGroup: [`${targets.logGroupArn}:*`],
  };
  const permissions = new DataAwsIamPolicyDocument(scope, 'function_permissions', {
    statement: GRANTS.map((grant) => ({ sid: grant.sid, effect: 'Allow', actions: [...grant.actions], resources: resources[grant.scope] })),
  });
  // An inline policy: it lives and dies with the role, and nothing else can attach it.
  const policy = new IamRolePolicy(scope, 'function_policy', { name: 'mirror', role: role.id, policy: permissions.json });
  return { role, policy };
}
