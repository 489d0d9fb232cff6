// The SQS stand-in as the real SQSClient sees it: JSON protocol, checksums the SDK
// verifies, FIFO deduplication and ordering, visibility, redrive and errors.
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { beforeEach, describe, expect, it } from 'vitest';
import { withAwsStandIns } from './env.js';

let clock = 0;
const aws = withAwsStandIns({ sqs: { now: () => clock } });
let sqs: SQSClient;

beforeEach(() => {
  clock = Date.UTC(2025, 0, 1);
  sqs = new SQSClient({});
});

const fifo = () => aws.sqs.createQueue('jobs.fifo', { fifo: true });
const receive = async (QueueUrl: string, extra: Partial<ConstructorParameters<typeof ReceiveMessageCommand>[0]> = {}) =>
  (await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, ...extra }))).Messages ?? [];

describe('SQS stand-in', () => {
  it('deduplicates FIFO sends by MessageDeduplicationId for five minutes', async () => {
    const queue = fifo();
    const send = (body: string) => sqs.send(new SendMessageCommand({ QueueUrl: queue, MessageBody: body, MessageGroupId: 'g', MessageDeduplicationId: 'event-1' }));

    const first = await send('{"a":1}');
    expect(first.SequenceNumber).toMatch(/^\d{20,}$/);
    clock += 5 * 60_000 - 1;
    const duplicate = await send('{"a":1}');
    expect(duplicate.MessageId).toBe(first.MessageId);
    expect(aws.sqs.messages(queue)).toHaveLength(1);

    clock += 1;
    expect((await send('{"a":1}')).MessageId).not.toBe(first.MessageId);
    expect(aws.sqs.messages(queue)).toHaveLength(2);
  });

  it('deduplicates by content when the queue says so', async () => {
    const queue = aws.sqs.createQueue('content.fifo', { fifo: true, contentBasedDeduplication: true });
    const send = (body: string) => sqs.send(new SendMessageCommand({ QueueUrl: queue, MessageBody: body, MessageGroupId: 'g' }));
    await send('same');
    await send('same');
    await send('other');
    expect(aws.sqs.messages(queue).map((m) => m.body)).toEqual(['same', 'other']);
  });

  it('answers the MD5 of message attributes as SQS computes it', async () => {
    const queue = aws.sqs.createQueue('plain');
    const sent = await sqs.send(
      new SendMessageCommand({ QueueUrl: queue, MessageBody: 'x', MessageAttributes: { attribName1: { DataType: 'String', StringValue: 'attribValue 1' } } }),
    );
    // The digest published for this attribute with SQS's documentation of the algorithm.
    expect(sent.MD5OfMessageAttributes).toBe('19e27d4e946b072f3f58da80d94fd778');
    const [message] = await receive(queue, { MessageAttributeNames: ['All'] });
    expect(message?.MessageAttributes?.attribName1?.StringValue).toBe('attribValue 1');
    expect(message?.MD5OfMessageAttributes).toBe('19e27d4e946b072f3f58da80d94fd778');
  });

  it('delivers a FIFO group in order and holds it back while a message is in flight', async () => {
    const queue = fifo();
    for (const [i, group] of [[1, 'a'], [2, 'a'], [3, 'b']] as const) {
      await sqs.send(new SendMessageCommand({ QueueUrl: queue, MessageBody: `m${i}`, MessageGroupId: group, MessageDeduplicationId: `d${i}` }));
    }
    const firstBatch = await receive(queue, { MaxNumberOfMessages: 1 });
    expect(firstBatch.map((m) => m.Body)).toEqual(['m1']);
    expect((await receive(queue)).map((m) => m.Body)).toEqual(['m3']);

    await sqs.send(new DeleteMessageCommand({ QueueUrl: queue, ReceiptHandle: firstBatch[0]?.ReceiptHandle }));
    expect((await receive(queue, { MessageSystemAttributeNames: ['All'] })).map((m) => [m.Body, m.Attributes?.MessageGroupId])).toEqual([['m2', 'a']]);
  });

  it('makes a message visible again after ChangeMessageVisibility to 0, counting receives', async () => {
    const queue = aws.sqs.createQueue('visibility');
    await sqs.send(new SendMessageCommand({ QueueUrl: queue, MessageBody: 'job' }));
    const [first] = await receive(queue);
    expect(await receive(queue)).toEqual([]);

    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queue, ReceiptHandle: first?.ReceiptHandle, VisibilityTimeout: 0 }));
    const [again] = await receive(queue, { MessageSystemAttributeNames: ['ApproximateReceiveCount'] });
    expect(again?.Body).toBe('job');
    expect(again?.Attributes).toEqual({ ApproximateReceiveCount: '2' });

    await sqs.send(new DeleteMessageCommand({ QueueUrl: queue, ReceiptHandle: again?.ReceiptHandle }));
    expect(aws.sqs.messages(queue)).toEqual([]);
    const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue, AttributeNames: ['ApproximateNumberOfMessages'] }));
    expect(attributes.Attributes).toEqual({ ApproximateNumberOfMessages: '0' });
  });

  it('moves a message to the dead-letter queue after maxReceiveCount receives', async () => {
    const dlq = aws.sqs.createQueue('dlq');
    const queue = aws.sqs.createQueue('work', { visibilityTimeoutSeconds: 0, redrive: { deadLetterQueueUrl: dlq, maxReceiveCount: 2 } });
    await sqs.send(new SendMessageCommand({ QueueUrl: queue, MessageBody: 'poison' }));
    expect(await receive(queue)).toHaveLength(1);
    expect(await receive(queue)).toHaveLength(1);
    expect(await receive(queue)).toEqual([]);
    expect(aws.sqs.messages(dlq).map((m) => m.body)).toEqual(['poison']);
  });

  it('long-polls until a message arrives', async () => {
    const queue = aws.sqs.createQueue('poll');
    setTimeout(() => void sqs.send(new SendMessageCommand({ QueueUrl: queue, MessageBody: 'late' })), 100);
    expect((await receive(queue, { WaitTimeSeconds: 2 })).map((m) => m.Body)).toEqual(['late']);
  });

  it('reports per-entry failures of a batch and sends the rest', async () => {
    const queue = fifo();
    const result = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queue,
        Entries: [
          { Id: 'ok', MessageBody: 'a', MessageGroupId: 'g', MessageDeduplicationId: 'a' },
          { Id: 'nogroup', MessageBody: 'b', MessageDeduplicationId: 'b' },
        ],
      }),
    );
    expect(result.Successful?.map((e) => e.Id)).toEqual(['ok']);
    expect(result.Failed).toEqual([expect.objectContaining({ Id: 'nogroup', SenderFault: true, Code: 'MissingParameter' })]);
  });

  it('names errors as the SDK models them', async () => {
    const missing = `${aws.sqs.url}/${aws.sqs.accountId}/nope`;
    await expect(sqs.send(new SendMessageCommand({ QueueUrl: missing, MessageBody: 'x' }))).rejects.toMatchObject({ name: 'QueueDoesNotExist' });
    await expect(sqs.send(new GetQueueUrlCommand({ QueueName: 'nope' }))).rejects.toMatchObject({ name: 'QueueDoesNotExist' });
    const queue = aws.sqs.createQueue('errors');
    await expect(sqs.send(new DeleteMessageCommand({ QueueUrl: queue, ReceiptHandle: 'bogus' }))).rejects.toMatchObject({ name: 'ReceiptHandleIsInvalid' });
    await expect(sqs.send(new GetQueueUrlCommand({ QueueName: 'errors' }))).resolves.toMatchObject({ QueueUrl: queue });
  });

  it('lets the SDK retry an injected server error', async () => {
    const queue = aws.sqs.createQueue('flaky');
    aws.sqs.failNext('SendMessage', { type: 'InternalError', status: 500 });
    await sqs.send(new SendMessageCommand({ QueueUrl: queue, MessageBody: 'x' }));
    expect(aws.sqs.callsTo('SendMessage')).toHaveLength(2);
    expect(aws.sqs.messages(queue)).toHaveLength(1);
  });
});
