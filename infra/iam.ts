import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document/index.js';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
import { Fn } from 'cdktf';
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

export interface PolicyStatement {
  readonly sid: string;
  readonly effect: 'Allow';
  readonly actions: string[];
  readonly resources: string[];
}

/** Every repository of the base's account and region, from the base's ARN (`...:repository/<dst_repo>`). */
export function allRepositoriesArn(repositoryArn: string): string {
  return Fn.replace(repositoryArn, '/:repository/.*$/', ':repository/*');
}

/** GRANTS with their ARNs: the role's statements (`allRepositories` given, for tests with literal ARNs). */
export function policyStatements(targets: GrantTargets, allRepositories = allRepositoriesArn(targets.repositoryArn)): PolicyStatement[] {
  const resources: Record<ResourceScope, string[]> = {
    anyResource: ['*'],
    baseRepository: [targets.repositoryArn],
    mirroredRepositories: [`${targets.repositoryArn}/*`],
    allRepositories: [allRepositories],
    secrets: [...targets.secretArns],
    queue: [targets.queueArn],
    deadLetterQueue: [targets.deadLetterQueueArn],
    // Log streams are addressed as log-group:<name>:log-stream:<stream>.
    logGroup: [`${targets.logGroupArn}:*`],
  };
  return GRANTS.map((grant) => ({ sid: grant.sid, effect: 'Allow', actions: [...grant.actions], resources: resources[grant.scope] }));
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

  const permissions = new DataAwsIamPolicyDocument(scope, 'function_permissions', { statement: policyStatements(targets) });
  // An inline policy: it lives and dies with the role, and nothing else can attach it.
  const policy = new IamRolePolicy(scope, 'function_policy', { name: 'mirror', role: role.id, policy: permissions.json });
  return { role, policy };
}
