import { TerraformOutput } from 'cdktf';
import type { Construct } from 'constructs';

export interface OutputValues {
  readonly webhookUrl: string;
  readonly ecrRepositoryUrl: string;
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  readonly dashboardUrl: string;
  readonly webhookSecretArn: string;
  readonly rootApiKeySecretArn: string;
  readonly logGroupName: string;
  /** The apply-time reconcile's answer (JSON). */
  readonly applyReconcileSummary: string;
}

/** What the README's next steps need: `terraform output -raw <name>`. */
export function mirrorOutputs(scope: Construct, values: OutputValues): void {
  const output = (id: string, value: string, description: string) => new TerraformOutput(scope, id, { value, description });
  output('webhook_url', values.webhookUrl, 'Register this URL with Root as the webhook endpoint.');
  output('ecr_repository_url', values.ecrRepositoryUrl, 'The base repository; images are mirrored to <this>/<root repository>:<tag>.');
  output('queue_url', values.queueUrl, 'Mirror jobs waiting or in progress.');
  output('dlq_url', values.deadLetterQueueUrl, 'Jobs that could not be mirrored, with the reason: read and redrive (README).');
  output('dashboard_url', values.dashboardUrl, 'CloudWatch dashboard of mirrors, failures and queue depths.');
  output('webhook_secret_arn', values.webhookSecretArn, 'Put the webhook signing secret here: aws secretsmanager put-secret-value --secret-id <this>.');
  output('root_api_key_secret_arn', values.rootApiKeySecretArn, 'The Root API key secret; rotate it with put-secret-value.');
  output('log_group_name', values.logGroupName, 'The function\'s logs: aws logs tail <this> --follow.');
  output(
    'apply_reconcile_summary',
    values.applyReconcileSummary,
    'What the reconcile run by the last apply that changed allowed_repos found and queued (JSON: ok, checked, inSync, queued, plan, error).',
  );
}
