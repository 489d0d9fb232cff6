// The function role's ECR statements (infra/iam.ts from infra/iam-actions.ts GRANTS) with the
// stand-in's ARNs, for an ECR stand-in that authorizes each call as IAM would.
import { policyStatements } from '../../infra/iam.js';
import type { AllowStatement } from './ecr-standin.js';
import { TEST_REGION } from './env.js';

export const STANDIN_ACCOUNT = '123456789012';

export function repositoryArn(name: string, region = TEST_REGION, accountId = STANDIN_ACCOUNT): string {
  return `arn:aws:ecr:${region}:${accountId}:repository/${name}`;
}

/** What the deployed role allows on ECR when `dst_repo` is `base`. */
export function functionRoleEcrPolicy(base: string, region = TEST_REGION, accountId = STANDIN_ACCOUNT): AllowStatement[] {
  const statements = policyStatements(
    {
      repositoryArn: repositoryArn(base, region, accountId),
      secretArns: [],
      queueArn: `arn:aws:sqs:${region}:${accountId}:queue`,
      deadLetterQueueArn: `arn:aws:sqs:${region}:${accountId}:dlq`,
      logGroupArn: `arn:aws:logs:${region}:${accountId}:log-group:function`,
    },
    repositoryArn('*', region, accountId),
  );
  return statements.map(({ actions, resources }) => ({ actions, resources })).filter((s) => s.actions.some((a) => a.startsWith('ecr:')));
}
