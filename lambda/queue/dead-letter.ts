import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { errorMessage, type FailureClass } from '../errors.js';
import type { logger } from '../log.js';
import { fifoId } from './enqueue.js';

/** Why a job was given up, as the DLQ message's attributes carry it. */
export interface DeadLetterFailure {
  readonly code: string;
  readonly failureClass: FailureClass;
  readonly deliveries: number;
}

/** Sends the record to the DLQ with its reason; false when there is no DLQ or the send failed. */
export async function deadLetter(
  sqs: SQSClient,
  dlqUrl: string | undefined,
  record: SQSRecord,
  error: unknown,
  failure: DeadLetterFailure,
  log: typeof logger,
): Promise<boolean> {
  const { code, failureClass } = failure;
  // errorMessage redacts: a registry echoing credentials must not put them on the DLQ.
  const reason = errorMessage(error).slice(0, 1000);
  const why = failureClass === 'permanent' ? 'failed permanently' : `still failed after ${failure.deliveries} deliveries`;
  log.error(`mirror ${why} and will not be retried; fix the cause, then redrive the message from the dead-letter queue`, {
    error: reason,
    code,
    class: failureClass,
  });
  if (!dlqUrl) return false;
  try {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: dlqUrl,
        MessageBody: record.body,
        MessageAttributes: {
          failure_reason: { DataType: 'String', StringValue: reason },
          failure_code: { DataType: 'String', StringValue: code },
          failure_class: { DataType: 'String', StringValue: failureClass },
          failed_at: { DataType: 'String', StringValue: new Date().toISOString() },
        },
        ...(dlqUrl.endsWith('.fifo') ? { MessageGroupId: record.messageId, MessageDeduplicationId: deadLetterId(record) } : {}),
      }),
    );
    return true;
  } catch (sendError) {
    log.error('could not send to the dead-letter queue; the message will be retried and redriven by SQS', { error: errorMessage(sendError) });
    return false;
  }
}

/**
 * Deduplicates our own retried sends of one failure, but not a later failure of the same
 * message after an operator redrove it (a new first receive).
 */
function deadLetterId(record: SQSRecord): string {
  return fifoId(`${record.messageId}:${record.attributes.ApproximateFirstReceiveTimestamp ?? ''}`);
}
