/**
 * Fixed names of what the stack deploys. Fixed (not generated) so the README's
 * commands, the dashboard and the alarms can name them, and an operator finds
 * them in the console without reading Terraform state.
 */
export const STACK_NAME = 'root-ecr-mirror';

/** Where `infra/main.ts` writes the Terraform JSON: run `terraform -chdir=` here. */
export const SYNTH_DIR = `cdktf.out/stacks/${STACK_NAME}`;

/** Relative to SYNTH_DIR: the state lives at the repository root, so rebuilding `cdktf.out/` never loses it. */
export const STATE_PATH = '../../../terraform.tfstate';

export const FUNCTION_NAME = 'root-ecr-mirror';
export const LOG_GROUP_NAME = `/aws/lambda/${FUNCTION_NAME}`;
export const ROLE_NAME = 'root-ecr-mirror';

// FIFO queues: the intake deduplicates re-delivered webhooks by webhook id.
export const QUEUE_NAME = 'root-ecr-mirror.fifo';
export const DLQ_NAME = 'root-ecr-mirror-dlq.fifo';

export const WEBHOOK_SECRET_NAME = 'root-ecr-mirror/webhook-signing-secret';
export const ROOT_API_KEY_SECRET_NAME = 'root-ecr-mirror/root-api-key';

export const ALARM_TOPIC_NAME = 'root-ecr-mirror-alarms';
export const DASHBOARD_NAME = 'root-ecr-mirror';

/** Powertools settings: the worker's metrics land in this namespace, with a `service` dimension. */
export const SERVICE_NAME = 'root-ecr-mirror';
export const METRICS_NAMESPACE = 'RootEcrMirror';
