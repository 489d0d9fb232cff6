import type { LambdaFunctionURLEvent, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Config } from '../config/config.js';
import type { SecretCache } from '../config/secret-cache.js';
import { errorMessage } from '../errors.js';
import { logger } from '../log.js';
import { countWithDimension, publishMetrics } from '../metrics.js';
import type { MirrorJob } from '../mirror/job.js';
import type { Enqueue } from '../queue/enqueue.js';
import { isAllowed } from '../webhook/allowed-repos.js';
import { parseCloudEvent } from '../webhook/cloudevent.js';
import { WebhookRejectedError } from '../webhook/errors.js';
import { toMirrorJob } from '../webhook/root-event.js';
import { webhookSecretProblem } from '../webhook/secret-strength.js';
import { verifyWebhook } from '../webhook/verify.js';
import { jsonResponse } from './http-response.js';

/** Larger bodies are refused before any work: Root's events are a few hundred bytes. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * What happens to an accepted job. `queued` enqueues and answers 202; `inline`
 * answers only once the mirror finished (no queue configured, as Root's reference
 * does); `background` hands it to an in-process runner and answers 202 (`serve`).
 */
export type IntakeDispatch =
  | { readonly mode: 'queued'; readonly enqueue: Enqueue }
  | { readonly mode: 'inline'; readonly mirror: (job: MirrorJob) => Promise<{ digest: string }> }
  | { readonly mode: 'background'; readonly submit: (job: MirrorJob) => void };

export interface IntakeDependencies {
  readonly config: Pick<Config, 'rootRegistryHost' | 'dstRepo' | 'allowedRepos'>;
  readonly webhookSecret: SecretCache;
  readonly dispatch: IntakeDispatch;
  readonly nowSeconds?: () => number;
}

/** The Function URL intake: verify, parse, filter, then enqueue, answering with small JSON only. */
export function createFunctionUrlHandler(deps: IntakeDependencies) {
  return async (event: LambdaFunctionURLEvent): Promise<APIGatewayProxyStructuredResultV2> => {
    try {
      return await handle(event, deps);
    } finally {
      logger.resetKeys();
      publishMetrics();
    }
  };
}

async function handle(event: LambdaFunctionURLEvent, deps: IntakeDependencies): Promise<APIGatewayProxyStructuredResultV2> {
  const method = event.requestContext.http.method.toUpperCase();
  if (method !== 'POST') return reject(405, 'method', { allow: 'POST' });

  const body = rawBody(event);
  if (body.length > MAX_BODY_BYTES) return reject(413, 'too_large');

  let secrets: readonly string[];
  try {
    secrets = await deps.webhookSecret.get();
    // A secret put into Secrets Manager after deployment must work without a redeploy.
    if (secrets.length === 0 && (await deps.webhookSecret.refreshIfStale())) secrets = await deps.webhookSecret.get();
  } catch (error) {
    logger.error('could not read the webhook signing secret', { error: errorMessage(error) });
    return jsonResponse(500, { error: 'internal error' });
  }
  // A secret read from Secrets Manager is checked here, as the environment's is at start-up.
  const strong = secrets.filter((secret) => webhookSecretProblem(secret) === undefined);
  if (strong.length < secrets.length) {
    logger.error(`${secrets.length - strong.length} of the ${secrets.length} webhook signing secrets is too weak and is not used: it ${webhookSecretProblem(secrets.find((s) => webhookSecretProblem(s))!)}`);
  }
  secrets = strong;
  if (secrets.length === 0) {
    logger.error(
      'no webhook signing secret is configured, so every webhook is refused: set webhook_signing_secret in terraform.tfvars and apply, ' +
        'or put the secret Root returned into the webhook secret with `aws secretsmanager put-secret-value`',
    );
    return reject(503, 'not_configured');
  }

  let verified;
  try {
    verified = await verify(event, body, secrets, deps);
  } catch (error) {
    if (error instanceof WebhookRejectedError) {
      logger.warn('webhook refused', { reason: error.reason, status: error.status });
      return reject(error.status, error.status === 401 ? 'signature' : 'malformed', {}, error.publicMessage);
    }
    throw error;
  }
  logger.appendKeys({ webhook_id: verified.webhookId });

  let outcome;
  try {
    const cloudEvent = parseCloudEvent(body);
    logger.appendKeys({ event_id: cloudEvent.id });
    outcome = toMirrorJob(cloudEvent, { webhookId: verified.webhookId, ...deps.config });
  } catch (error) {
    if (!(error instanceof WebhookRejectedError)) throw error;
    logger.warn('webhook payload refused', { reason: error.reason });
    return reject(error.status, 'malformed', {}, error.publicMessage);
  }
  if (outcome.kind === 'ignored') {
    logger.info('event ignored', { reason: outcome.reason });
    return jsonResponse(200, { status: 'ignored' });
  }
  if (!isAllowed(deps.config.allowedRepos, outcome.imageRepo, outcome.job.destinationTag)) {
    logger.info('event ignored: repository not in allowed_repos', { image: outcome.job.source });
    return jsonResponse(200, { status: 'ignored', reason: 'not in allowed_repos' });
  }
  return dispatch(outcome.job, deps);
}

/** A failed signature may mean the secret was rotated since we cached it: re-read once and retry. */
async function verify(event: LambdaFunctionURLEvent, body: Buffer, secrets: readonly string[], deps: IntakeDependencies) {
  const request = { body, headers: event.headers ?? {}, ...(deps.nowSeconds ? { nowSeconds: deps.nowSeconds() } : {}) };
  try {
    return verifyWebhook({ ...request, secrets });
  } catch (error) {
    if (!(error instanceof WebhookRejectedError) || error.status !== 401) throw error;
    if (!(await deps.webhookSecret.refreshIfStale())) throw error;
    const fresh = await deps.webhookSecret.get();
    if (fresh.length === 0) throw error;
    return verifyWebhook({ ...request, secrets: fresh });
  }
}

async function dispatch(job: MirrorJob, deps: IntakeDependencies): Promise<APIGatewayProxyStructuredResultV2> {
  const fields = { image: job.source, destination: `${job.destinationRepository}:${job.destinationTag}`, digest: job.digest, platform: job.platform };
  if (deps.dispatch.mode === 'background') {
    deps.dispatch.submit(job);
    logger.info('mirror job accepted for background mirroring', fields);
    return jsonResponse(202, { status: 'queued', event_id: job.eventId });
  }
  if (deps.dispatch.mode === 'queued') {
    try {
      await deps.dispatch.enqueue(job);
    } catch (error) {
      logger.error('could not enqueue the mirror job; the sender will retry', { ...fields, error: errorMessage(error) });
      return jsonResponse(500, { error: 'internal error' });
    }
    logger.info('mirror job queued', fields);
    return jsonResponse(202, { status: 'queued', event_id: job.eventId });
  }
  try {
    const result = await deps.dispatch.mirror(job);
    logger.info('image mirrored', { ...fields, digest: result.digest });
    return jsonResponse(200, { status: 'mirrored', digest: result.digest });
  } catch (error) {
    logger.error('mirror failed', { ...fields, error: errorMessage(error) });
    return jsonResponse(502, { status: 'failed', error: 'mirror failed' });
  }
}

function rawBody(event: LambdaFunctionURLEvent): Buffer {
  if (!event.body) return Buffer.alloc(0);
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
}

const GENERIC: Record<number, string> = {
  405: 'method not allowed',
  413: 'webhook payload too large',
  503: 'webhook receiver is not configured',
};

function reject(status: number, reason: string, headers: Record<string, string> = {}, message?: string): APIGatewayProxyStructuredResultV2 {
  countWithDimension('WebhooksRejected', 'reason', reason);
  return jsonResponse(status, { error: message ?? GENERIC[status] ?? 'rejected' }, headers);
}
