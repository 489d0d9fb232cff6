import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { MirrorJob } from '../mirror/job.js';
import { encodeJob } from './job-message.js';

export type Enqueue = (job: MirrorJob) => Promise<void>;

/**
 * Sends one message per job. On a FIFO queue the webhook id is the deduplication
 * id, so Root re-delivering the same webhook within SQS's five-minute window is
 * dropped by SQS itself; each webhook is its own group, so one stuck job never
 * holds back the others.
 */
export function sqsEnqueue(queueUrl: string, sqs: SQSClient = new SQSClient({})): Enqueue {
  const fifo = queueUrl.endsWith('.fifo');
  return async (job) => {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: encodeJob(job),
        ...(fifo ? { MessageGroupId: job.webhookId, MessageDeduplicationId: job.webhookId } : {}),
      }),
    );
  };
}
