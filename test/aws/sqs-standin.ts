// A loopback Amazon SQS (JSON 1.0, query-compatible errors) for tests that drive the real
// SQSClient: queues are created by the test, messages are inspectable, faults scriptable.
import { ServiceError, requireString, startJsonRpcServer, type JsonRpcServer, type Params } from './json-rpc-server.js';
import { md5OfMessageAttributes, type SqsAttributeValue } from './sqs-md5.js';
import { SqsQueue, type SendInput, type SqsMessage, type SqsQueueOptions } from './sqs-queue.js';

export type { SqsMessage, SqsQueueOptions } from './sqs-queue.js';

export interface SqsStandInOptions {
  accountId?: string;
  region?: string;
  /** The stand-in's clock (epoch ms), for visibility timeouts and deduplication. */
  now?: () => number;
}

export interface SqsStandIn extends JsonRpcServer {
  readonly accountId: string;
  /** Creates a queue and returns its URL, `http://127.0.0.1:PORT/<account>/<name>`. */
  createQueue(name: string, options?: SqsQueueOptions): string;
  /** The messages stored in a queue, in flight or not, oldest first. */
  messages(queueUrl: string): SqsMessage[];
}

// The codes SQS puts in `x-amzn-query-error`, from which the SDK names query-compatible errors.
const QUERY_CODES: Record<string, string> = {
  QueueDoesNotExist: 'AWS.SimpleQueueService.NonExistentQueue',
  MessageNotInflight: 'AWS.SimpleQueueService.MessageNotInflight',
  EmptyBatchRequest: 'AWS.SimpleQueueService.EmptyBatchRequest',
  TooManyEntriesInBatchRequest: 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
  BatchEntryIdsNotDistinct: 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
  InvalidBatchEntryId: 'AWS.SimpleQueueService.InvalidBatchEntryId',
};

const LONG_POLL_STEP_MS = 20;

export async function startSqsStandIn(options: SqsStandInOptions = {}): Promise<SqsStandIn> {
  const accountId = options.accountId ?? '123456789012';
  const region = options.region ?? 'eu-west-1';
  const now = options.now ?? Date.now;
  const queues = new Map<string, SqsQueue>();
  let baseUrl = '';

  const queueAt = (url: string): SqsQueue | undefined => queues.get(url);
  const queue = (params: Params): SqsQueue => {
    const url = requireString(params, 'QueueUrl', 'MissingParameter');
    const found = queueAt(url);
    if (!found) throw new ServiceError('QueueDoesNotExist', 'The specified queue does not exist.');
    return found;
  };

  const handlers: Record<string, (params: Params) => unknown> = {
    SendMessage: (params) => queue(params).send(params as SendInput),
    SendMessageBatch(params) {
      const q = queue(params);
      const entries = (params.Entries as Array<SendInput & { Id: string }> | undefined) ?? [];
      if (entries.length === 0) throw new ServiceError('EmptyBatchRequest', 'There should be at least one SendMessageBatchRequestEntry in the request.');
      if (entries.length > 10) throw new ServiceError('TooManyEntriesInBatchRequest', `Maximum number of entries per request are 10. You have sent ${entries.length}.`);
      if (new Set(entries.map((e) => e.Id)).size !== entries.length) throw new ServiceError('BatchEntryIdsNotDistinct', 'Two or more batch entries in the request have the same Id.');
      const Successful: Params[] = [];
      const Failed: Params[] = [];
      for (const entry of entries) {
        if (!/^[A-Za-z0-9_-]{1,80}$/.test(entry.Id ?? '')) throw new ServiceError('InvalidBatchEntryId', `A batch entry id can only contain alphanumeric characters, hyphens and underscores.`);
        try {
          Successful.push({ Id: entry.Id, ...q.send(entry) });
        } catch (error) {
          if (!(error instanceof ServiceError)) throw error;
          Failed.push({ Id: entry.Id, SenderFault: true, Code: error.type, Message: error.message });
        }
      }
      return { Successful, Failed };
    },
    async ReceiveMessage(params) {
      const q = queue(params);
      const max = (params.MaxNumberOfMessages as number | undefined) ?? 1;
      if (max < 1 || max > 10) throw new ServiceError('InvalidParameterValue', `Value ${max} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10.`);
      const deadline = Date.now() + ((params.WaitTimeSeconds as number | undefined) ?? 0) * 1000;
      let received = q.receive(max, params.VisibilityTimeout as number | undefined);
      // Long polling waits in real time, even when the test drives a fake clock.
      while (received.length === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, LONG_POLL_STEP_MS));
        received = q.receive(max, params.VisibilityTimeout as number | undefined);
      }
      if (received.length === 0) return {};
      const systemNames = [...((params.AttributeNames as string[] | undefined) ?? []), ...((params.MessageSystemAttributeNames as string[] | undefined) ?? [])];
      const attributeNames = (params.MessageAttributeNames as string[] | undefined) ?? [];
      return { Messages: received.map((m) => wireMessage(m, systemNames, attributeNames)) };
    },
    DeleteMessage(params) {
      queue(params).delete(requireString(params, 'ReceiptHandle', 'MissingParameter'));
      return {};
    },
    ChangeMessageVisibility(params) {
      const seconds = params.VisibilityTimeout;
      if (typeof seconds !== 'number') throw new ServiceError('MissingParameter', 'The request must contain the parameter VisibilityTimeout.');
      queue(params).changeVisibility(requireString(params, 'ReceiptHandle', 'MissingParameter'), seconds);
      return {};
    },
    GetQueueAttributes(params) {
      const all = queue(params).attributes();
      const names = (params.AttributeNames as string[] | undefined) ?? [];
      const Attributes = names.includes('All') ? all : Object.fromEntries(Object.entries(all).filter(([name]) => names.includes(name)));
      return { Attributes };
    },
    GetQueueUrl(params) {
      const name = requireString(params, 'QueueName', 'MissingParameter');
      const found = [...queues.values()].find((q) => q.name === name);
      if (!found) throw new ServiceError('QueueDoesNotExist', 'The specified queue does not exist.');
      return { QueueUrl: found.url };
    },
  };

  const server = await startJsonRpcServer({
    targetPrefix: 'AmazonSQS',
    jsonVersion: '1.0',
    handle(op, params) {
      const handler = handlers[op];
      if (!handler) throw new ServiceError('UnsupportedOperation', `the SQS stand-in does not implement ${op}`);
      return handler(params);
    },
    errorAnswer: (error) => ({
      body: { __type: `com.amazonaws.sqs#${error.type}`, message: error.message },
      headers: { 'x-amzn-query-error': `${QUERY_CODES[error.type] ?? error.type};${error.status >= 500 ? 'Receiver' : 'Sender'}` },
    }),
  });
  baseUrl = server.url;

  return {
    ...server,
    accountId,
    createQueue(name, queueOptions = {}) {
      if ((queueOptions.fifo === true) !== name.endsWith('.fifo')) throw new Error(`a FIFO queue's name ends in .fifo, and only its: ${name}`);
      const url = `${baseUrl}/${accountId}/${name}`;
      if (!queues.has(url)) queues.set(url, new SqsQueue(name, url, `arn:aws:sqs:${region}:${accountId}:${name}`, queueOptions, now, queueAt));
      return url;
    },
    messages(queueUrl) {
      const found = queueAt(queueUrl);
      if (!found) throw new Error(`no queue ${queueUrl} in the SQS stand-in`);
      return [...found.messages];
    },
  };
}

function wireMessage(m: SqsMessage, systemNames: string[], attributeNames: string[]): Params {
  const system: Record<string, string | undefined> = {
    SenderId: 'AIDASTANDIN',
    SentTimestamp: String(m.sentAt),
    ApproximateReceiveCount: String(m.receiveCount),
    ApproximateFirstReceiveTimestamp: m.firstReceivedAt === undefined ? undefined : String(m.firstReceivedAt),
    MessageGroupId: m.groupId,
    MessageDeduplicationId: m.deduplicationId,
    SequenceNumber: m.sequenceNumber,
  };
  const Attributes = Object.fromEntries(Object.entries(system).filter(([name, value]) => value !== undefined && (systemNames.includes('All') || systemNames.includes(name))));
  const wanted = (name: string): boolean =>
    attributeNames.some((pattern) => pattern === 'All' || pattern === '.*' || pattern === name || (pattern.endsWith('.*') && name.startsWith(pattern.slice(0, -1))));
  const MessageAttributes: Record<string, SqsAttributeValue> = Object.fromEntries(Object.entries(m.messageAttributes ?? {}).filter(([name]) => wanted(name)));
  const hasAttributes = Object.keys(MessageAttributes).length > 0;
  return {
    MessageId: m.messageId,
    ReceiptHandle: m.receiptHandle,
    MD5OfBody: m.md5OfBody,
    Body: m.body,
    ...(Object.keys(Attributes).length > 0 ? { Attributes } : {}),
    ...(hasAttributes ? { MessageAttributes, MD5OfMessageAttributes: md5OfMessageAttributes(MessageAttributes) } : {}),
  };
}
