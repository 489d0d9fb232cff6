import { errorMessage, failureClassOf } from '../errors.js';
import { logger } from '../log.js';
import type { MirrorJob } from '../mirror/job.js';
import type { CopySummary } from '../registry/copy.js';
import { backoffDelayMs, type RetryPolicy } from '../registry/retry.js';

/** Whole-job retries for `serve`, on top of the copy engine's own per-request retries. */
export const JOB_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 5_000, maxDelayMs: 60_000, maxRetryAfterMs: 0 };

/**
 * Runs mirror jobs in this process, one at a time, retrying transient failures
 * with backoff and logging each result: `serve`'s stand-in for the SQS worker.
 */
export class BackgroundRunner {
  private chain: Promise<void> = Promise.resolve();
  private pending = 0;

  constructor(
    private readonly mirror: (job: MirrorJob) => Promise<CopySummary>,
    private readonly policy: RetryPolicy = JOB_RETRY,
  ) {}

  submit = (job: MirrorJob): void => {
    this.pending += 1;
    this.chain = this.chain.then(() => this.run(job)).finally(() => (this.pending -= 1));
  };

  /** Resolves once every job submitted so far has finished. */
  async idle(): Promise<void> {
    while (this.pending > 0) await this.chain;
  }

  private async run(job: MirrorJob): Promise<void> {
    const fields = { webhook_id: job.webhookId, event_id: job.eventId, image: job.source };
    for (let attempt = 1; ; attempt++) {
      try {
        const summary = await this.mirror(job);
        logger.info('image mirrored', { ...fields, digest: summary.digest, bytes: summary.bytesCopied, up_to_date: summary.upToDate, duration_ms: summary.durationMs });
        return;
      } catch (error) {
        const failureClass = failureClassOf(error);
        if (failureClass === 'permanent' || attempt >= this.policy.attempts) {
          logger.error('mirror failed', { ...fields, error: errorMessage(error), class: failureClass, attempts: attempt });
          return;
        }
        const delay = backoffDelayMs(this.policy, attempt);
        logger.warn('mirror failed; retrying', { ...fields, error: errorMessage(error), attempt, retry_in_ms: delay });
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
}
