import { createHash } from 'node:crypto';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { createSqsClient } from '../aws-clients.js';
import type { MirrorJob } from '../mirror/job.js';
import { encodeJob } from './job-message.js';

export type Enqueue = (job: MirrorJob) => Promise<void>;

/**
 * Sends one message per job. On a FIFO queue the webhook id is the deduplication
 * id, so Root re-delivering the same webhook within SQS's five-minute window is
 * dropped by SQS itself; each webhook is its own group, so one stuck job never
 * holds back the others.
 */
export function sqsEnqueue(queueUrl: string, sqs: SQSClient = createSqsClient()): Enqueue {
  return (job) => sendJob(sqs, queueUrl, job, job.webhookId);
}

/** Sends one job; on a FIFO queue `key` is its group and deduplication id. */
export async function sendJob(sqs: SQSClient, queueUrl: string, job: MirrorJob, key: string): Promise<void> {
  const id = fifoId(key);
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: encodeJob(job),
      ...(queueUrl.endsWith('.fifo') ? { MessageGroupId: id, MessageDeduplicationId: id } : {}),
    }),
  );
}

// SQS takes at most 128 printable ASCII characters for group and deduplication ids.
const SQS_ID = /^[\x21-\x7e]{1,128}$/;

/** The webhook id itself when SQS accepts it, else its SHA-256: any signed id must be queueable. */
export function fifoId(webhookId: string): string {
  return SQS_ID.test(webhookId) ? webhookId : createHash('sha256').update(webhookId, 'utf8').digest('hex');
}
