import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { errorMessage } from '../errors.js';
import type { MirrorJob } from '../mirror/job.js';
import { fifoId } from './enqueue.js';
import { encodeJob } from './job-message.js';

/** SQS takes at most ten messages per SendMessageBatch. */
const BATCH = 10;

export interface KeyedJob {
  readonly job: MirrorJob;
  /** On a FIFO queue the message's group and deduplication id (hashed when SQS would refuse it). */
  readonly key: string;
}

/** Sends many jobs ten per call; returns those SQS did not take, with its reason. */
export async function sendJobs(sqs: SQSClient, queueUrl: string, jobs: readonly KeyedJob[]): Promise<Array<{ job: MirrorJob; reason: string }>> {
  const fifo = queueUrl.endsWith('.fifo');
  const refused: Array<{ job: MirrorJob; reason: string }> = [];
  for (let start = 0; start < jobs.length; start += BATCH) {
    const batch = jobs.slice(start, start + BATCH);
    try {
      const { Failed = [] } = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: batch.map(({ job, key }, i) => {
            const id = fifoId(key);
            return { Id: String(i), MessageBody: encodeJob(job), ...(fifo ? { MessageGroupId: id, MessageDeduplicationId: id } : {}) };
          }),
        }),
      );
      for (const failure of Failed) {
        const entry = batch[Number(failure.Id)];
        if (entry) refused.push({ job: entry.job, reason: `${failure.Code ?? 'error'}: ${failure.Message ?? 'refused by SQS'}` });
      }
    } catch (error) {
      for (const { job } of batch) refused.push({ job, reason: errorMessage(error) });
    }
  }
  return refused;
}
