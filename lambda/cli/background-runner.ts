import pLimit, { type LimitFunction } from 'p-limit';
import { errorMessage, failureClassOf } from '../errors.js';
import { logger } from '../log.js';
import type { MirrorJob } from '../mirror/job.js';
import { JobNotAllowedError } from '../mirror/job-checks.js';
import type { CopySummary } from '../registry/copy.js';
import { OperationAbortedError } from '../abort.js';
import { withRetry, type RetryPolicy } from '../registry/retry.js';

/**
 * Whole-job retries for `serve`, on top of the copy engine's own per-request retries.
 * A registry asking for more than a minute's pause (Retry-After) fails the job instead.
 */
export const JOB_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 5_000, maxDelayMs: 60_000, maxRetryAfterMs: 60_000 };

/** Jobs mirrored at once: a slow or stuck source holds back only its own slot. */
export const BACKGROUND_CONCURRENCY = 4;

export interface BackgroundRunnerOptions {
  readonly policy?: RetryPolicy;
  readonly concurrency?: number;
}

/**
 * Runs mirror jobs in this process, a few at a time, retrying transient failures with the
 * shared backoff and logging each result: `serve`'s stand-in for the SQS worker.
 */
export class BackgroundRunner {
  private readonly limit: LimitFunction;
  private readonly policy: RetryPolicy;
  private readonly stop = new AbortController();
  private readonly settled = new Set<Promise<void>>();

  constructor(
    private readonly mirror: (job: MirrorJob, signal?: AbortSignal) => Promise<CopySummary>,
    options: BackgroundRunnerOptions = {},
  ) {
    this.policy = options.policy ?? JOB_RETRY;
    this.limit = pLimit(options.concurrency ?? BACKGROUND_CONCURRENCY);
  }

  submit = (job: MirrorJob): void => {
    const done: Promise<void> = this.limit(() => this.run(job)).finally(() => this.settled.delete(done));
    this.settled.add(done);
  };

  /** Jobs accepted and not finished: running or waiting for a slot. */
  get pending(): number {
    return this.settled.size;
  }

  /** Resolves once every job submitted so far has finished. */
  async idle(): Promise<void> {
    while (this.settled.size > 0) await Promise.all([...this.settled]);
  }

  /** Stops every running copy (its destination tag is not moved) and every job still waiting. */
  abandon(): void {
    // A waiting job then ends as soon as its slot comes: withRetry starts no attempt once aborted.
    this.stop.abort(new OperationAbortedError('serve was stopped'));
  }

  private async run(job: MirrorJob): Promise<void> {
    const fields = { webhook_id: job.webhookId, event_id: job.eventId, image: job.source };
    const signal = this.stop.signal;
    let attempts = 0;
    try {
      const summary = await withRetry(
        this.policy,
        (attempt) => {
          attempts = attempt;
          return this.mirror(job, signal);
        },
        {
          signal,
          onRetry: (error, attempt, delayMs) =>
            logger.warn('mirror failed; retrying', { ...fields, error: errorMessage(error), attempt, retry_in_ms: delayMs }),
        },
      );
      logger.info('image mirrored', { ...fields, digest: summary.digest, bytes: summary.bytesCopied, up_to_date: summary.upToDate, duration_ms: summary.durationMs });
    } catch (error) {
      if (error instanceof JobNotAllowedError) {
        logger.info('job dropped: its repository is not in ALLOWED_REPOS', { ...fields, repository: error.repository });
      } else if (signal.aborted) {
        logger.warn('mirror abandoned: serve was stopped', { ...fields, attempts });
      } else {
        logger.error('mirror failed', { ...fields, error: errorMessage(error), class: failureClassOf(error), attempts });
      }
    }
  }
}
