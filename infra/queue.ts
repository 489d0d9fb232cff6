import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue/index.js';
import { Op, Token } from 'cdktf';
import type { Construct } from 'constructs';
import { MAX_DELIVERIES } from '../lambda/queue/deliveries.js';
import { DLQ_NAME, QUEUE_NAME } from './names.js';
import type { Variables } from './variables.js';

/** Receives before SQS itself moves a job to the dead-letter queue: the worker's own limit, as a backstop. */
export const MAX_RECEIVE_COUNT = MAX_DELIVERIES;
/** SQS's maximum: failed jobs stay readable and redrivable for two weeks. */
export const DLQ_RETENTION_SECONDS = 14 * 24 * 3600;
/** Lambda's guidance: at least 6 × the function timeout, so a retried batch is not received twice at once. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

export interface Queues {
  readonly queue: SqsQueue;
  readonly deadLetterQueue: SqsQueue;
}

export function mirrorQueues(scope: Construct, vars: Variables): Queues {
  const deadLetterQueue = new SqsQueue(scope, 'dead_letter_queue', {
    name: DLQ_NAME,
    fifoQueue: true, // a FIFO queue's dead-letter queue must be FIFO too
    // The worker's own sends carry the reason in the body; content deduplication spares it a deduplication id.
    contentBasedDeduplication: true,
    messageRetentionSeconds: DLQ_RETENTION_SECONDS,
    sqsManagedSseEnabled: true,
  });

  const queue = new SqsQueue(scope, 'queue', {
    name: QUEUE_NAME,
    fifoQueue: true,
    // The intake sets MessageDeduplicationId = webhook id; a send without one must fail, not deduplicate by content.
    contentBasedDeduplication: false,
    // lambda_timeout_s is validated <= 900, so this stays under SQS's 43,200 s limit.
    visibilityTimeoutSeconds: Token.asNumber(Op.mul(vars.lambdaTimeoutS.numberValue, VISIBILITY_TIMEOUT_FACTOR)),
    messageRetentionSeconds: 4 * 24 * 3600,
    sqsManagedSseEnabled: true,
    redrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetterQueue.arn, maxReceiveCount: MAX_RECEIVE_COUNT }),
  });
  return { queue, deadLetterQueue };
}
