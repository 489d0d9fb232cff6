// One queue of the SQS stand-in: visibility timeouts, FIFO ordering per message group,
// five-minute deduplication and redrive to a dead-letter queue, on an injectable clock.
import { createHash, randomUUID } from 'node:crypto';
import { ServiceError } from './json-rpc-server.js';
import { md5Hex, md5OfMessageAttributes, type SqsAttributeValue } from './sqs-md5.js';

export interface SqsQueueOptions {
  fifo?: boolean;
  contentBasedDeduplication?: boolean;
  visibilityTimeoutSeconds?: number;
  maximumMessageSize?: number;
  /** Move a message to this queue once it was received maxReceiveCount times. */
  redrive?: { deadLetterQueueUrl: string; maxReceiveCount: number };
}

export interface SqsMessage {
  readonly messageId: string;
  readonly body: string;
  readonly md5OfBody: string;
  readonly messageAttributes?: Record<string, SqsAttributeValue>;
  readonly groupId?: string;
  readonly deduplicationId?: string;
  readonly sequenceNumber?: string;
  readonly sentAt: number;
  visibleAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
  receiptHandle?: string;
}

export interface SendInput {
  MessageBody?: string;
  DelaySeconds?: number;
  MessageAttributes?: Record<string, SqsAttributeValue>;
  MessageGroupId?: string;
  MessageDeduplicationId?: string;
}

export interface SendResult {
  MessageId: string;
  MD5OfMessageBody: string;
  MD5OfMessageAttributes?: string;
  SequenceNumber?: string;
}

const DEDUPLICATION_WINDOW_MS = 5 * 60_000;
const invalid = (message: string): ServiceError => new ServiceError('InvalidParameterValue', message);

export class SqsQueue {
  readonly messages: SqsMessage[] = [];
  private readonly deduplication = new Map<string, { result: SendResult; expiresAt: number }>();
  private readonly handles = new Map<string, SqsMessage>();
  private sequence = 10_000_000_000_000_000_000n;

  constructor(
    readonly name: string,
    readonly url: string,
    readonly arn: string,
    readonly options: SqsQueueOptions,
    private readonly now: () => number,
    private readonly queueAt: (url: string) => SqsQueue | undefined,
  ) {}

  get fifo(): boolean {
    return this.options.fifo === true;
  }

  send(input: SendInput): SendResult {
    const body = input.MessageBody;
    if (body === undefined || body === '') throw new ServiceError('MissingParameter', 'The request must contain the parameter MessageBody.');
    if (Buffer.byteLength(body) > this.maximumMessageSize) throw invalid(`One or more parameters are invalid. Reason: Message must be shorter than ${this.maximumMessageSize} bytes.`);
    const attributes = input.MessageAttributes && Object.keys(input.MessageAttributes).length > 0 ? input.MessageAttributes : undefined;
    const digests = {
      MD5OfMessageBody: md5Hex(body),
      ...(attributes ? { MD5OfMessageAttributes: md5OfMessageAttributes(attributes) } : {}),
    };
    if (!this.fifo) {
      if (input.MessageDeduplicationId !== undefined) throw invalid('The request include parameter MessageDeduplicationId that is not valid for this queue type');
      return this.enqueue({ body, attributes, delaySeconds: input.DelaySeconds ?? 0 }, digests);
    }
    if (!input.MessageGroupId) throw new ServiceError('MissingParameter', 'The request must contain the parameter MessageGroupId.');
    if (input.DelaySeconds) throw invalid('Value for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.');
    const deduplicationId = input.MessageDeduplicationId ?? (this.options.contentBasedDeduplication ? createHash('sha256').update(body).digest('hex') : undefined);
    if (deduplicationId === undefined) throw invalid('The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly');
    const seen = this.deduplication.get(deduplicationId);
    // A duplicate is accepted and answered with the original id, but not enqueued again.
    if (seen && seen.expiresAt > this.now()) return { ...seen.result, ...digests };
    const result = this.enqueue({ body, attributes, delaySeconds: 0, groupId: input.MessageGroupId, deduplicationId }, digests);
    this.deduplication.set(deduplicationId, { result, expiresAt: this.now() + DEDUPLICATION_WINDOW_MS });
    return result;
  }

  /** Up to `max` visible messages, in order, holding back groups with a message in flight. */
  receive(max: number, visibilityTimeoutSeconds?: number): SqsMessage[] {
    const now = this.now();
    const blockedGroups = new Set<string>();
    const received: SqsMessage[] = [];
    for (const message of [...this.messages]) {
      if (received.length >= max) break;
      const visible = message.visibleAt <= now;
      if (message.groupId !== undefined && (blockedGroups.has(message.groupId) || !visible)) {
        blockedGroups.add(message.groupId);
        continue;
      }
      if (!visible) continue;
      const redrive = this.options.redrive;
      if (redrive && message.receiveCount >= redrive.maxReceiveCount) {
        this.moveTo(message, redrive.deadLetterQueueUrl);
        continue;
      }
      message.receiveCount += 1;
      message.firstReceivedAt ??= now;
      message.receiptHandle = Buffer.from(`${message.messageId}:${randomUUID()}`).toString('base64');
      message.visibleAt = now + (visibilityTimeoutSeconds ?? this.visibilityTimeoutSeconds) * 1000;
      this.handles.set(message.receiptHandle, message);
      received.push(message);
    }
    return received;
  }

  delete(receiptHandle: string): void {
    const message = this.handle(receiptHandle);
    const index = this.messages.indexOf(message);
    if (index >= 0) this.messages.splice(index, 1);
  }

  changeVisibility(receiptHandle: string, seconds: number): void {
    const message = this.handle(receiptHandle);
    if (!this.messages.includes(message) || message.receiptHandle !== receiptHandle || message.visibleAt <= this.now()) {
      throw new ServiceError('MessageNotInflight', 'The message referred to is not in flight.');
    }
    if (seconds < 0 || seconds > 43_200) throw invalid(`Value ${seconds} for parameter VisibilityTimeout is invalid.`);
    message.visibleAt = this.now() + seconds * 1000;
  }

  attributes(): Record<string, string> {
    const now = this.now();
    const delayed = this.messages.filter((m) => m.receiveCount === 0 && m.visibleAt > now).length;
    const inFlight = this.messages.filter((m) => m.receiveCount > 0 && m.visibleAt > now).length;
    return {
      QueueArn: this.arn,
      ApproximateNumberOfMessages: String(this.messages.length - delayed - inFlight),
      ApproximateNumberOfMessagesNotVisible: String(inFlight),
      ApproximateNumberOfMessagesDelayed: String(delayed),
      VisibilityTimeout: String(this.visibilityTimeoutSeconds),
      MaximumMessageSize: String(this.maximumMessageSize),
      ...(this.fifo ? { FifoQueue: 'true', ContentBasedDeduplication: String(this.options.contentBasedDeduplication === true) } : {}),
      ...(this.options.redrive
        ? { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: this.queueAt(this.options.redrive.deadLetterQueueUrl)?.arn, maxReceiveCount: this.options.redrive.maxReceiveCount }) }
        : {}),
    };
  }

  private get visibilityTimeoutSeconds(): number {
    return this.options.visibilityTimeoutSeconds ?? 30;
  }

  private get maximumMessageSize(): number {
    return this.options.maximumMessageSize ?? 1_048_576;
  }

  private handle(receiptHandle: string): SqsMessage {
    const message = this.handles.get(receiptHandle);
    if (!message) throw new ServiceError('ReceiptHandleIsInvalid', `The input receipt handle "${receiptHandle}" is not a valid receipt handle.`, 404);
    return message;
  }

  private enqueue(
    m: { body: string; attributes?: Record<string, SqsAttributeValue> | undefined; delaySeconds: number; groupId?: string; deduplicationId?: string },
    digests: Pick<SendResult, 'MD5OfMessageBody' | 'MD5OfMessageAttributes'>,
  ): SendResult {
    const now = this.now();
    const sequenceNumber = this.fifo ? String(this.sequence++) : undefined;
    const message: SqsMessage = {
      messageId: randomUUID(),
      body: m.body,
      md5OfBody: digests.MD5OfMessageBody,
      ...(m.attributes ? { messageAttributes: m.attributes } : {}),
      ...(m.groupId !== undefined ? { groupId: m.groupId } : {}),
      ...(m.deduplicationId !== undefined ? { deduplicationId: m.deduplicationId } : {}),
      ...(sequenceNumber !== undefined ? { sequenceNumber } : {}),
      sentAt: now,
      visibleAt: now + m.delaySeconds * 1000,
      receiveCount: 0,
    };
    this.messages.push(message);
    return { MessageId: message.messageId, ...digests, ...(sequenceNumber !== undefined ? { SequenceNumber: sequenceNumber } : {}) };
  }

  private moveTo(message: SqsMessage, deadLetterQueueUrl: string): void {
    const target = this.queueAt(deadLetterQueueUrl);
    if (!target) return;
    this.messages.splice(this.messages.indexOf(message), 1);
    target.messages.push({ ...message, visibleAt: this.now(), receiptHandle: undefined });
  }
}
