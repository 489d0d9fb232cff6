import type { LambdaFunctionURLEvent, APIGatewayProxyStructuredResultV2, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createApp, type App } from './app.js';
import { errorMessage } from './errors.js';
import { OperationAbortedError } from './abort.js';
import { boundedForResponse } from './handlers/bounded-summary.js';
import { jsonResponse } from './handlers/http-response.js';
import type { InvocationClock } from './handlers/sqs.js';
import { logger } from './log.js';
import { isReconcileEvent } from './reconcile/request.js';
import type { ReconcileSummary } from './reconcile/summary.js';
import { stopMarginMs } from './handlers/retry-delay.js';

// Validated once per cold start; a broken config is reported on every invocation until fixed.
let app: App | undefined;
let configError: unknown;
try {
  app = createApp();
} catch (error) {
  configError = error;
  logger.error('the function is misconfigured and will refuse all work until its environment is fixed', { error: errorMessage(error) });
}

export function isFunctionUrlEvent(event: unknown): event is LambdaFunctionURLEvent {
  const e = event as Partial<LambdaFunctionURLEvent> | null;
  return typeof e?.requestContext?.http?.method === 'string';
}

export function isSqsEvent(event: unknown): event is SQSEvent {
  const records = (event as Partial<SQSEvent> | null)?.Records;
  return Array.isArray(records) && records.length > 0 && records.every((r) => r?.eventSource === 'aws:sqs');
}

/**
 * One function, three doors told apart by the event's shape: the Function URL intake, the SQS
 * worker, and `{"reconcile": {...}}` (schedule, apply-time invocation, `aws lambda invoke`).
 */
export async function handler(
  event: unknown,
  context?: InvocationClock,
): Promise<APIGatewayProxyStructuredResultV2 | SQSBatchResponse | ReconcileSummary> {
  if (isReconcileEvent(event)) {
    // Never fails the invocation: `terraform apply` and the schedule read the summary instead.
    if (!app) return misconfiguredSummary(configError);
    const deadline = deadlineSignal(context);
    try {
      // Bounded: a response over Lambda's 6 MB would be a function error after all.
      return boundedForResponse(await app.reconcile(event.reconcile, deadline.signal));
    } finally {
      deadline.clear();
    }
  }
  if (isFunctionUrlEvent(event)) {
    if (!app) return jsonResponse(500, { error: 'internal error' });
    return app.intake(event);
  }
  if (isSqsEvent(event)) {
    // Throwing returns the whole batch to the queue: nothing is lost while the config is fixed.
    if (!app) throw new Error(`misconfigured: ${errorMessage(configError)}`);
    return app.worker(event, context);
  }
  logger.error('unsupported event: expected a Function URL request or an SQS batch');
  throw new Error('unsupported event: expected a Function URL request or an SQS batch');
}

/** Stops a reconcile in time to queue its follow-up before Lambda's timeout. */
function deadlineSignal(context: InvocationClock | undefined): { signal?: AbortSignal; clear: () => void } {
  if (!context) return { clear: () => undefined };
  const controller = new AbortController();
  const remaining = context.getRemainingTimeInMillis();
  const timer = setTimeout(() => controller.abort(new OperationAbortedError('the Lambda timeout is near; the reconcile continues in a follow-up')), Math.max(0, remaining - stopMarginMs(remaining)));
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

function misconfiguredSummary(error: unknown): ReconcileSummary {
  const message = `the function is misconfigured: ${errorMessage(error)}; fix its environment (terraform.tfvars) and apply again`;
  logger.error('reconcile could not run', { error: message, code: 'CONFIG_INVALID' });
  return {
    ok: false, dryRun: false, mode: 'queued', repositories: 0, checked: 0, inSync: 0, queued: 0, filteredOut: 0,
    plan: [], errors: [], error: { code: 'CONFIG_INVALID', message }, notes: [], durationMs: 0,
  };
}
