// The intake's SQS sends through the real SDK: FIFO ids for any webhook id, and no waiting on a stalled queue.
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DescribeRepositoriesCommand } from '@aws-sdk/client-ecr';
import { createEcrClient, createSecretsProvider, createSqsClient } from '../../lambda/aws-clients.js';
import { sqsEnqueue } from '../../lambda/queue/enqueue.js';
import type { MirrorJob } from '../../lambda/mirror/job.js';
import { applyAwsTestEnv, withAwsStandIns } from '../aws/env.js';

const aws = withAwsStandIns();
const job = (webhookId: string): MirrorJob => ({
  source: 'cr.root.io/library/nginx:1.25.4-root',
  destinationRepository: 'root-mirror/library/nginx',
  destinationTag: '1.25.4-root',
  webhookId,
  eventId: 'evt_1',
});

describe('sqsEnqueue', () => {
  it('queues a webhook whose id SQS would refuse as a FIFO id, still deduplicated', async () => {
    const queueUrl = aws.sqs.createQueue('root-ecr-mirror.fifo', { fifo: true });
    const enqueue = sqsEnqueue(queueUrl, createSqsClient());
    const longId = `msg_${'z'.repeat(200)}`;
    await enqueue(job(longId));
    await enqueue(job(longId));
    await enqueue(job('msg_short'));
    const messages = aws.sqs.messages(queueUrl);
    expect(messages).toHaveLength(2);
    expect(JSON.parse(messages[0]!.body)).toMatchObject({ webhookId: longId });
  });
});

describe('API timeouts', () => {
  let silent: Server | undefined;
  let restore: (() => void) | undefined;
  afterEach(async () => {
    restore?.();
    await new Promise((resolve) => silent?.close(resolve));
  });

  async function silentServer(): Promise<string> {
    silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
  }
  const sockets: import('node:net').Socket[] = [];
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.destroy();
  });
  const fast = { connectionTimeout: 200, requestTimeout: 200 };

  it('gives up on ECR when it accepts the connection and never answers', async () => {
    const url = await silentServer();
    restore = applyAwsTestEnv({ ecr: url });
    const started = Date.now();
    await expect(createEcrClient(fast).send(new DescribeRepositoriesCommand({}))).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('gives up on Secrets Manager when it accepts the connection and never answers', async () => {
    const url = await silentServer();
    restore = applyAwsTestEnv({ secretsManager: url });
    const started = Date.now();
    await expect(createSecretsProvider(fast).get('some-secret', { forceFetch: true })).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('gives up on a queue that accepts the connection and never answers', async () => {
    const url = await silentServer();
    restore = applyAwsTestEnv({ sqs: url });
    const started = Date.now();
    const enqueue = sqsEnqueue(`${url}/123456789012/q.fifo`, createSqsClient(fast));
    await expect(enqueue(job('msg_1'))).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
