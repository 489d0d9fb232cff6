import type { LambdaFunctionURLEvent, APIGatewayProxyStructuredResultV2, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createApp, type App } from './app.js';
import { errorMessage } from './errors.js';
import { jsonResponse } from './handlers/http-response.js';
import type { InvocationClock } from './handlers/sqs.js';
import { logger } from './log.js';

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

/** One function, two doors: the Function URL intake and the SQS worker, told apart by the event's shape. */
export async function handler(event: unknown, context?: InvocationClock): Promise<APIGatewayProxyStructuredResultV2 | SQSBatchResponse> {
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
