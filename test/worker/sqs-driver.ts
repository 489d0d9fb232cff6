// Plays Lambda's SQS event source mapping against the SQS stand-in: receives a batch with
// the real SDK, hands it to the handler as an SQSEvent, then deletes the records the
// handler did not report as failures (as the mapping does with ReportBatchItemFailures).
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { TEST_REGION } from '../aws/env.js';
import type { SqsStandIn } from '../aws/sqs-standin.js';

export const QUEUE_NAME = 'root-ecr-mirror.fifo';
export const DLQ_NAME = 'root-ecr-mirror-dlq.fifo';
/** As deployed: six times a 900 s function timeout, so only the worker's own delay brings a failed record back sooner. */
export const VISIBILITY_TIMEOUT_S = 5400;

export interface Delivery {
  readonly event: SQSEvent;
  readonly response: SQSBatchResponse;
  /** messageIds of the records the handler returned for retry. */
  readonly failed: string[];
}

export class SqsDriver {
  readonly queueUrl: string;
  readonly dlqUrl: string;
  private readonly client = new SQSClient({});

  constructor(
    readonly standIn: SqsStandIn,
    /** Moves the stand-in's clock forward. */
    readonly advance: (seconds: number) => void,
  ) {
    this.dlqUrl = standIn.createQueue(DLQ_NAME, { fifo: true });
    this.queueUrl = standIn.createQueue(QUEUE_NAME, { fifo: true, visibilityTimeoutSeconds: VISIBILITY_TIMEOUT_S });
  }

  /** Up to `max` visible messages as the SQSEvent Lambda would build from them. */
  async receive(max = 10): Promise<SQSEvent> {
    const { Messages = [] } = await this.client.send(
      new ReceiveMessageCommand({ QueueUrl: this.queueUrl, MaxNumberOfMessages: max, MessageSystemAttributeNames: ['All'], MessageAttributeNames: ['All'] }),
    );
    return { Records: Messages.map((m) => this.toRecord(m)) };
  }

  /** Receives a batch, runs the handler on it and settles it; fails when nothing was visible. */
  async deliver(handler: (event: SQSEvent) => Promise<SQSBatchResponse>, max = 10): Promise<Delivery> {
    const event = await this.receive(max);
    if (event.Records.length === 0) throw new Error('no visible message to deliver');
    const response = await handler(event);
    return { event, response, ...(await this.settle(event, response)) };
  }

  async settle(event: SQSEvent, response: SQSBatchResponse): Promise<{ failed: string[] }> {
    const failed = response.batchItemFailures.map((f) => f.itemIdentifier);
    for (const record of event.Records) {
      if (failed.includes(record.messageId)) continue;
      await this.client.send(new DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: record.receiptHandle }));
    }
    return { failed };
  }

  /** VisibilityTimeout of each ChangeMessageVisibility the stand-in received, in order. */
  visibilityChanges(): number[] {
    return this.standIn.callsTo('ChangeMessageVisibility').map((call) => call.params.VisibilityTimeout as number);
  }

  /** Moves time past the latest visibility change, so a returned record is visible again. */
  waitOutRetryDelay(): void {
    const delays = this.visibilityChanges();
    const last = delays.at(-1);
    if (last === undefined) throw new Error('the worker delayed no retry');
    this.advance(last + 1);
  }

  queued(): number {
    return this.standIn.messages(this.queueUrl).length;
  }

  deadLettered() {
    return this.standIn.messages(this.dlqUrl);
  }

  private toRecord(m: Message): SQSRecord {
    const a = m.Attributes ?? {};
    const name = new URL(this.queueUrl).pathname.split('/').at(-1) ?? QUEUE_NAME;
    return {
      messageId: m.MessageId ?? '',
      receiptHandle: m.ReceiptHandle ?? '',
      body: m.Body ?? '',
      attributes: {
        ApproximateReceiveCount: a.ApproximateReceiveCount ?? '1',
        SentTimestamp: a.SentTimestamp ?? '0',
        SenderId: a.SenderId ?? '',
        ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? '0',
        ...(a.MessageGroupId ? { MessageGroupId: a.MessageGroupId } : {}),
        ...(a.MessageDeduplicationId ? { MessageDeduplicationId: a.MessageDeduplicationId } : {}),
        ...(a.SequenceNumber ? { SequenceNumber: a.SequenceNumber } : {}),
      },
      messageAttributes: {},
      md5OfBody: m.MD5OfBody ?? '',
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:${TEST_REGION}:${this.standIn.accountId}:${name}`,
      awsRegion: TEST_REGION,
    };
  }
}
