// A follow-up for more repositories than one SQS message holds: split, not refused. A queue
// made before SQS took 1 MiB messages still refuses anything over 256 KiB.
import { SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { reconcileInMessage, sendReconcileContinuation } from '../../lambda/queue/reconcile-message.js';
import { withAwsStandIns } from '../aws/env.js';

const aws = withAwsStandIns();

describe('a reconcile follow-up', () => {
  it('goes out in as many messages as 20,000 repositories need, each under the queue’s 256 KiB limit', async () => {
    const queueUrl = aws.sqs.createQueue('mirror.fifo', { fifo: true, maximumMessageSize: 262_144 });
    const names = Array.from({ length: 20_000 }, (_, i) => `team-${i}/service-with-a-long-name-${i}`);

    await sendReconcileContinuation(new SQSClient({}), queueUrl, { continue: names, round: 2 });

    const messages = aws.sqs.messages(queueUrl);
    expect(messages.length).toBeGreaterThan(1);
    for (const message of messages) expect(Buffer.byteLength(message.body)).toBeLessThanOrEqual(262_144);
    const requests = messages.map((message) => reconcileInMessage(message.body) as { continue: string[]; round: number });
    expect(requests.every((request) => request.round === 2)).toBe(true);
    expect(requests.flatMap((request) => request.continue)).toEqual(names);
  });
});
