import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule/index.js';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target/index.js';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function/index.js';
import { LambdaInvocation } from '@cdktf/provider-aws/lib/lambda-invocation/index.js';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission/index.js';
import type { ITerraformDependable } from 'cdktf';
import type { Construct } from 'constructs';
import { hcl } from './hcl.js';
import { FUNCTION_NAME } from './names.js';

/** The reconcile's name on EventBridge, and the Lambda permission's statement id. */
export const RECONCILE_RULE_NAME = `${FUNCTION_NAME}-reconcile`;
export const RECONCILE_PERMISSION_SID = 'ReconcileSchedule';

/** Everything in scope (allowed_repos): what the schedule sends. */
export const SCHEDULED_RECONCILE_EVENT = { reconcile: {} } as const;

/** One instance when the schedule is set, none for `reconcile_schedule = ""`. */
const SCHEDULE_COUNT = hcl('var.reconcile_schedule == "" ? 0 : 1');
const RULE_ARN = hcl('aws_cloudwatch_event_rule.reconcile[0].arn');
const RULE_NAME = hcl('aws_cloudwatch_event_rule.reconcile[0].name');

/**
 * The periodic reconcile: an EventBridge rule on the default bus invokes the function
 * asynchronously with {"reconcile": {}}. No IAM role: EventBridge invokes through the
 * function's resource policy, whose one statement admits only this rule (its ARN) of this account.
 */
export function reconcileSchedule(scope: Construct, fn: LambdaFunction): { rule: CloudwatchEventRule; target: CloudwatchEventTarget; permission: LambdaPermission } {
  const rule = new CloudwatchEventRule(scope, 'reconcile', {
    name: RECONCILE_RULE_NAME,
    description: 'Brings the mirrored repositories in step with Root: every tag in allowed_repos that is missing or names another digest is queued.',
    scheduleExpression: hcl('var.reconcile_schedule'),
  });
  rule.addOverride('count', SCHEDULE_COUNT);

  const permission = new LambdaPermission(scope, 'reconcile_schedule_invoke', {
    statementId: RECONCILE_PERMISSION_SID,
    action: 'lambda:InvokeFunction',
    functionName: fn.functionName,
    principal: 'events.amazonaws.com',
    sourceArn: RULE_ARN,
  });
  permission.addOverride('count', SCHEDULE_COUNT);

  const target = new CloudwatchEventTarget(scope, 'reconcile_schedule_target', {
    rule: RULE_NAME,
    targetId: 'reconcile',
    arn: fn.arn,
    input: JSON.stringify(SCHEDULED_RECONCILE_EVENT),
    // A reconcile not delivered within an hour is skipped: the next one covers it.
    retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 3 },
    // The permission first, so the first scheduled run is never refused.
    dependsOn: [permission],
  });
  target.addOverride('count', SCHEDULE_COUNT);

  return { rule, target, permission };
}

/**
 * The input of the apply-time reconcile: the allowlist's entries as the scope, or the
 * whole scope (`{}`) for an empty allowlist, which mirrors every repository.
 */
export const APPLY_RECONCILE_INPUT = hcl(
  'length(var.allowed_repos) == 0 ? jsonencode({ reconcile = {} }) : jsonencode({ reconcile = { repos = var.allowed_repos } })',
);

/**
 * Reconciles on `terraform apply` whenever allowed_repos changes (and on the first apply), so
 * repositories added to the list appear without waiting for Root's next webhook or the schedule.
 *
 * `triggers` (and the input) are keyed on the list: any other apply leaves it alone. It
 * references the function, so Terraform runs it after the function has its new ALLOWED_REPOS
 * (the event narrows the function's allowlist, never widens it). The function answers a reconcile
 * with a summary whatever goes wrong (Root unreachable, the key refused or not set yet), never a
 * function error, so the apply does not fail for it; the summary is kept in the state as `result`.
 */
export function applyTimeReconcile(scope: Construct, fn: LambdaFunction, after: ITerraformDependable[]): LambdaInvocation {
  return new LambdaInvocation(scope, 'reconcile_allowed_repos', {
    functionName: fn.functionName,
    input: APPLY_RECONCILE_INPUT,
    triggers: { allowed_repos: hcl('jsonencode(var.allowed_repos)') },
    // The role's permissions, the queue trigger and the Root API key (when Terraform stores it)
    // exist before the first reconcile pulls and queues.
    dependsOn: after,
  });
}
