import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import pLimit from 'p-limit';
import { OperationAbortedError } from '../abort.js';
import { MirrorError, errorMessage, failureClassOf } from '../errors.js';
import { logger } from '../log.js';
import { MetricUnit, countWithDimension, metrics } from '../metrics.js';
import type { MirrorJob } from '../mirror/job.js';
import { JobNotAllowedError } from '../mirror/job-checks.js';
import { deadLetter } from '../queue/dead-letter.js';
import { MAX_DELIVERIES, MAX_RESUMES } from '../queue/deliveries.js';
import { sendJob } from '../queue/enqueue.js';
import { decodeJob } from '../queue/job-message.js';
import { reconcileInMessage } from '../queue/reconcile-message.js';
import { delayRetry } from '../queue/visibility.js';
import type { CopySummary } from '../registry/copy.js';
import { RESUME_DELAY_S, retryDelaySeconds, stopMarginMs } from './retry-delay.js';

export interface WorkerDependencies {
  readonly mirror: (job: MirrorJob, signal?: AbortSignal) => Promise<CopySummary>;
  /** Runs a reconcile continued through the queue (a `{"reconcile": …}` message). */
  readonly reconcile?: (request: unknown, signal?: AbortSignal) => Promise<unknown>;
  readonly sqs: SQSClient;
  /** The queue the records come from, to delay their next delivery. */
  readonly queueUrl?: string;
  /** Permanent failures go here at once, with their reason, instead of being retried. */
  readonly dlqUrl?: string;
  /** Records mirrored at once; each copy runs its own bounded blob concurrency. */
  readonly concurrency?: number;
}

type Outcome = 'mirrored' | 'reconciled' | 'retry' | 'dead-lettered' | 'requeued' | 'dropped';

/**
 * The SQS worker: each record is one mirror job. Transient failures return the
 * record with a growing delay; permanent ones go to the dead-letter queue with
 * their reason. Only the records that must come back are reported as failures.
 */
export function createSqsHandler(deps: WorkerDependencies) {
  return async (event: SQSEvent, context?: InvocationClock): Promise<SQSBatchResponse> => {
    const limit = pLimit(deps.concurrency ?? 2);
    const deadline = stopBeforeTimeout(context);
    const outcomes = await Promise.all(event.Records.map((record) => limit(() => processRecord(record, deps, deadline.signal)))).finally(
      deadline.clear,
    );
    // Failure counts are published as they happen; an empty flush would only log a warning.
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    return {
      batchItemFailures: event.Records.filter((_, i) => outcomes[i] === 'retry').map((r) => ({ itemIdentifier: r.messageId })),
    };
  };
}

/** What the worker needs of the Lambda context. */
export interface InvocationClock {
  getRemainingTimeInMillis(): number;
}


/**
 * Aborts the copies shortly before the invocation would be killed: a killed
 * invocation comes back only after the queue's visibility timeout (6 × the
 * function's), an aborted copy on its next, short, delay, resuming where it was.
 */
function stopBeforeTimeout(context: InvocationClock | undefined): { signal?: AbortSignal; clear: () => void } {
  if (!context) return { clear: () => undefined };
  const controller = new AbortController();
  const reason = new OperationAbortedError('the Lambda timeout is near; the copy resumes on the next delivery');
  const remaining = context.getRemainingTimeInMillis();
  const timer = setTimeout(() => controller.abort(reason), Math.max(0, remaining - stopMarginMs(remaining)));
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

async function processRecord(record: SQSRecord, deps: WorkerDependencies, signal: AbortSignal | undefined): Promise<Outcome> {
  const log = logger.createChild({ persistentKeys: { message_id: record.messageId } });
  // A reconcile that ran out of time goes on here; it reports itself and never throws.
  const continued = deps.reconcile ? reconcileInMessage(record.body) : undefined;
  if (continued !== undefined && deps.reconcile) {
    await deps.reconcile(continued, signal);
    return 'reconciled';
  }
  let job: MirrorJob | undefined;
  try {
    job = decodeJob(record.body);
    // The failure lines too must say where the image was going: the operator fixes that repository.
    log.appendPersistentKeys({
      webhook_id: job.webhookId,
      event_id: job.eventId,
      image: job.source,
      destination: `${job.destinationRepository}:${job.destinationTag}`,
    });
    const summary = await deps.mirror(job, signal);
    log.info('image mirrored', {
      source: job.source,
      digest: summary.digest,
      platform: summary.platform ?? 'all',
      ...(job.platform ? { remediated_platform: job.platform } : {}),
      up_to_date: summary.upToDate,
      tagged: summary.tagged,
      bytes: summary.bytesCopied,
      blobs_copied: summary.blobsCopied,
      blobs_skipped: summary.blobsSkipped,
      blobs_mounted: summary.blobsMounted,
      ...(summary.referrers
        ? {
            referrers_copied: summary.referrers.copied,
            referrers_present: summary.referrers.present,
            referrers_refused: summary.referrers.refused,
            referrer_bytes: summary.referrers.bytesCopied,
          }
        : {}),
      duration_ms: summary.durationMs,
    });
    logRefusedReferrers(summary, log);
    recordSuccess(summary);
    return 'mirrored';
  } catch (error) {
    // Allowed when it was queued, not any more: the operator's choice, no failure to act on.
    if (error instanceof JobNotAllowedError) {
      log.info('job dropped: its repository is no longer in ALLOWED_REPOS', { repository: error.repository, code: error.code });
      return 'dropped';
    }
    // A copy stopped for the deadline and queued again has not failed: no failure is counted.
    if (error instanceof OperationAbortedError && job && (await requeueToResume(record, job, deps, log))) return 'requeued';
    const failureClass = failureClassOf(error);
    countWithDimension('MirrorFailures', 'class', failureClass);
    const code = error instanceof MirrorError ? error.code : 'UNEXPECTED';
    const receiveCount = Number(record.attributes.ApproximateReceiveCount ?? '1');
    // On the last delivery a transient failure is given up here, so it too reaches the DLQ with its reason.
    const givingUp = failureClass === 'permanent' || receiveCount >= MAX_DELIVERIES;
    if (givingUp && (await deadLetter(deps.sqs, deps.dlqUrl, record, error, { code, failureClass, deliveries: receiveCount }, log))) return 'dead-lettered';
    // Stopped for the timeout, not failed: come back almost at once and carry on.
    const delay = error instanceof OperationAbortedError ? RESUME_DELAY_S : retryDelaySeconds(receiveCount);
    log.warn('mirror failed; it will be retried', { error: errorMessage(error), code, class: failureClass, attempt: receiveCount, retry_in_s: delay });
    await delayRetry(deps.sqs, deps.queueUrl, record, delay, log);
    return 'retry';
  }
}

/**
 * A copy stopped for the Lambda deadline has not failed: it is queued again as a new
 * message (a fresh delivery count, so a long copy never reaches the dead-letter queue
 * for being long) and the original is settled. Bounded, in case no progress is possible.
 */
async function requeueToResume(record: SQSRecord, job: MirrorJob, deps: WorkerDependencies, log: typeof logger): Promise<boolean> {
  const resumes = (job.resumes ?? 0) + 1;
  if (!deps.queueUrl || resumes > MAX_RESUMES) return false;
  try {
    await sendJob(deps.sqs, deps.queueUrl, { ...job, resumes }, `${job.webhookId}#resume-${resumes}`);
  } catch (error) {
    log.warn('could not queue the stopped copy again; it comes back as a retry', { error: errorMessage(error) });
    return false;
  }
  log.info('copy stopped before the Lambda timeout; queued again to carry on', { resumes, message_id: record.messageId });
  return true;
}

/** A referrer the destination would not take does not fail the image, but the operator must hear of it. */
function logRefusedReferrers(summary: CopySummary, log: typeof logger): void {
  for (const referrer of summary.referrers?.items ?? []) {
    if (referrer.outcome !== 'refused') continue;
    log.warn('a referrer of the image was not copied; the image is mirrored without it', {
      digest: summary.digest,
      referrer: referrer.digest,
      subject: referrer.subject,
      via: referrer.via,
      ...(referrer.tag ? { tag: referrer.tag } : {}),
      ...(referrer.artifactType ? { artifact_type: referrer.artifactType } : {}),
      code: referrer.code,
      error: referrer.reason,
    });
  }
  for (const failure of summary.referrers?.unlisted ?? []) {
    log.warn('the source would not list the referrers of a manifest; the image is mirrored without them', {
      digest: summary.digest,
      subject: failure.subject,
      code: failure.code,
      error: failure.reason,
    });
  }
}

function recordSuccess(summary: CopySummary): void {
  metrics.addMetric('ImagesMirrored', MetricUnit.Count, 1);
  if (summary.referrers) {
    metrics.addMetric('ReferrersCopied', MetricUnit.Count, summary.referrers.copied);
    metrics.addMetric('ReferrersRefused', MetricUnit.Count, summary.referrers.refused);
  }
  metrics.addMetric('BytesCopied', MetricUnit.Bytes, summary.bytesCopied);
  metrics.addMetric('BlobsCopied', MetricUnit.Count, summary.blobsCopied);
  metrics.addMetric('BlobsSkipped', MetricUnit.Count, summary.blobsSkipped);
  metrics.addMetric('MirrorDurationMs', MetricUnit.Milliseconds, summary.durationMs);
}
