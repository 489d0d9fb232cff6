import { ChangeMessageVisibilityCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { errorMessage } from '../errors.js';
import type { logger } from '../log.js';

/** Without it every retry would come back after the same visibility timeout, however often it failed. */
export async function delayRetry(
  sqs: SQSClient,
  queueUrl: string | undefined,
  record: SQSRecord,
  seconds: number,
  log: typeof logger,
): Promise<void> {
  if (!queueUrl) return;
  try {
    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: record.receiptHandle, VisibilityTimeout: seconds }));
  } catch (error) {
    log.warn('could not delay the retry; it comes back after the queue visibility timeout', { error: errorMessage(error) });
  }
}
