import type { SQSClient } from '@aws-sdk/client-sqs';
import pLimit from 'p-limit';
import { MirrorError, errorMessage } from '../errors.js';
import type { MirrorJob } from '../mirror/job.js';
import { sendJobs, type KeyedJob } from '../queue/send-jobs.js';
import type { CopySummary } from '../registry/copy.js';
import type { PlanEntry, ReconcileProblem } from './summary.js';

export interface JobContext {
  readonly rootRegistryHost: string;
  readonly dstRepo: string;
  /** Names this reconcile in the jobs' event id, for the logs. */
  readonly runId: string;
}

/**
 * The same job a webhook would queue, pinned to the digest Root's tag named when checked: the
 * worker moves the tag only while Root's tag still names it. Its id, also the queue's
 * deduplication id, comes from repository, tag and digest, so reconciles in a row queue it once.
 */
export function reconcileJob(entry: PlanEntry, ctx: JobContext): KeyedJob {
  const key = `reconcile:${entry.repository}:${entry.tag}:${entry.digest}`;
  const job: MirrorJob = {
    source: `${ctx.rootRegistryHost}/${entry.repository}:${entry.tag}@${entry.digest}`,
    destinationRepository: `${ctx.dstRepo}/${entry.repository}`,
    destinationTag: entry.tag,
    digest: entry.digest,
    webhookId: key,
    eventId: ctx.runId,
  };
  return { job, key };
}

export interface DispatchResult {
  /** Jobs handed on: queued, or copied whether or not the copy succeeded. */
  readonly handed: number;
  readonly mirrored: number;
  readonly failed: number;
  readonly problems: ReconcileProblem[];
}

/** Where planned tags go: the mirror queue, or copies in this process. */
export interface Dispatcher {
  readonly mode: 'queued' | 'copied';
  dispatch(jobs: readonly KeyedJob[], entries: readonly PlanEntry[]): Promise<DispatchResult>;
}

export function queueDispatcher(sqs: SQSClient, queueUrl: string): Dispatcher {
  return {
    mode: 'queued',
    dispatch: async (jobs, entries) => {
      const refused = await sendJobs(sqs, queueUrl, jobs);
      const problems = refused.map(({ job, reason }) => {
        const entry = entries[jobs.findIndex((j) => j.job === job)];
        return {
          ...(entry ? { repository: entry.repository } : {}),
          code: 'QUEUE_SEND_FAILED',
          message: `could not queue ${job.source}: ${reason}; the next reconcile queues it again`,
        };
      });
      return { handed: jobs.length - refused.length, mirrored: 0, failed: 0, problems };
    },
  };
}

/** Without a queue (the CLI, a Lambda without QUEUE_URL): copies, `concurrency` at a time over the whole reconcile. */
export function copyDispatcher(
  mirror: (job: MirrorJob, signal?: AbortSignal) => Promise<CopySummary>,
  options: { concurrency: number; signal?: AbortSignal; onCopied?: (job: MirrorJob, outcome: CopySummary | Error) => void },
): Dispatcher {
  const limit = pLimit(options.concurrency);
  return {
    mode: 'copied',
    dispatch: async (jobs, entries) => {
      const outcomes = await Promise.all(
        jobs.map(({ job }) =>
          limit(async () => {
            try {
              const summary = await mirror(job, options.signal);
              options.onCopied?.(job, summary);
              return undefined;
            } catch (error) {
              options.onCopied?.(job, error instanceof Error ? error : new Error(String(error)));
              return error;
            }
          }),
        ),
      );
      const problems: ReconcileProblem[] = [];
      outcomes.forEach((error, i) => {
        if (error === undefined) return;
        const entry = entries[i];
        problems.push({
          ...(entry ? { repository: entry.repository } : {}),
          code: error instanceof MirrorError ? error.code : 'UNEXPECTED',
          message: `copying ${jobs[i]?.job.source ?? 'an image'} failed: ${errorMessage(error)}`,
        });
      });
      return { handed: jobs.length, mirrored: jobs.length - problems.length, failed: problems.length, problems };
    },
  };
}
