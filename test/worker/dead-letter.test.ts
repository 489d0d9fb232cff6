// The dead-letter path itself: what goes there, and that a job is never dropped when it cannot.
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import type { MirrorJob } from '../../lambda/mirror/job.js';
import { BASE, createWorker, enqueue, jobFor, seedBase, useWorld } from './fixtures.js';

const world = useWorld();

describe('the dead-letter queue', () => {
  it('receives a message that is not a mirror job, with the reason', async () => {
    await new SQSClient({}).send(
      new SendMessageCommand({ QueueUrl: world.sqs.queueUrl, MessageBody: '{"version":1,"source":"x"}', MessageGroupId: 'g', MessageDeduplicationId: 'd' }),
    );

    const { failed } = await world.sqs.deliver(createWorker(world));

    expect(failed).toEqual([]);
    const dead = world.sqs.deadLettered();
    expect(dead.map((m) => m.body)).toEqual(['{"version":1,"source":"x"}']);
    expect(dead[0]?.messageAttributes?.failure_code?.StringValue).toBe('JOB_MESSAGE_INVALID');
    expect(dead[0]?.messageAttributes?.failure_reason?.StringValue).toMatch(/not a mirror job/);
    expect(dead[0]?.messageAttributes?.failed_at?.StringValue).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(dead[0]?.groupId).toBeDefined();
    expect(world.output.logsAt('ERROR')).toHaveLength(1);
    expect(world.aws.ecr.calls).toEqual([]);
  });

  it.each([
    ['pulls from another registry', (job: MirrorJob) => ({ ...job, source: 'evil.example.com/library/nginx:1' }), 'JOB_REJECTED', /is not ROOT_REGISTRY_HOST/],
    ['writes outside the base repository', (job: MirrorJob) => ({ ...job, destinationRepository: 'prod/app' }), 'JOB_REJECTED', /is not a repository below DST_REPO/],
    ['writes into the base repository itself', (job: MirrorJob) => ({ ...job, destinationRepository: BASE }), 'JOB_REJECTED', /is not a repository below DST_REPO/],
    ['climbs out of the base repository', (job: MirrorJob) => ({ ...job, destinationRepository: `${BASE}/../prod/app` }), 'JOB_MESSAGE_INVALID', /destination repository/],
    ['aims its tag at another repository', (job: MirrorJob) => ({ ...job, destinationTag: '../../victim/manifests/latest' }), 'JOB_MESSAGE_INVALID', /destination tag/],
    // Valid names, but not where this image goes: anyone with sqs:SendMessage must not choose the destination.
    ['writes to another repository below the base', (job: MirrorJob) => ({ ...job, destinationRepository: `${BASE}/prod/payments` }), 'JOB_REJECTED', /goes to root-mirror\/library\/nginx only/],
    ['moves another tag than its source\'s', (job: MirrorJob) => ({ ...job, destinationTag: 'latest' }), 'JOB_REJECTED', /destination tag "latest" is not the source's tag "v1"/],
    ['pins a digest its source does not', (job: MirrorJob) => ({ ...job, source: `${job.source}@sha256:${'a'.repeat(64)}`, digest: `sha256:${'b'.repeat(64)}` }), 'JOB_REJECTED', /is not the one its source pins/],
  ])('receives a queued job that %s, untouched', async (_, tamper, code, reason) => {
    seedBase(world);
    await enqueue(world, tamper(jobFor(world, 'library/nginx', 'v1')));

    const { failed } = await world.sqs.deliver(createWorker(world));

    expect(failed).toEqual([]);
    const [dead] = world.sqs.deadLettered();
    expect(dead?.messageAttributes?.failure_code?.StringValue).toBe(code);
    expect(dead?.messageAttributes?.failure_reason?.StringValue).toMatch(reason);
    expect(world.aws.ecr.calls).toEqual([]);
    expect(world.srcProxy.requests).toEqual([]);
  });

  it('takes the same failure once, but a failure again after a redrive a second time', async () => {
    const worker = createWorker(world);
    const record = (firstReceived: string) => ({
      messageId: 'm-redriven',
      receiptHandle: 'rh',
      body: '{"version":1}',
      attributes: {
        ApproximateReceiveCount: '1',
        ApproximateFirstReceiveTimestamp: firstReceived,
        SentTimestamp: '0',
        SenderId: 'test',
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:root-ecr-mirror.fifo',
      awsRegion: 'eu-west-1',
    });
    // The same delivery handled twice (an invocation retried): one DLQ message.
    await worker({ Records: [record('1000')] });
    await worker({ Records: [record('1000')] });
    expect(world.sqs.deadLettered()).toHaveLength(1);
    // Redriven by an operator and failing again: received anew, so dead-lettered again.
    await worker({ Records: [record('2000')] });
    expect(world.sqs.deadLettered()).toHaveLength(2);
  });

  it('is bypassed when none is configured: the permanent failure is logged and returned, not dropped', async () => {
    seedBase(world);
    await enqueue(world, jobFor(world, 'library/missing', 'v1'));

    const { event, failed } = await world.sqs.deliver(createWorker(world, { withDlq: false }));

    expect(failed).toEqual([event.Records[0]?.messageId]);
    expect(world.output.logsAt('ERROR')).toHaveLength(1);
    expect(world.sqs.visibilityChanges()).toHaveLength(1);
    expect(world.sqs.queued()).toBe(1);
  });

  it('keeps the job in the queue when sending it to the dead-letter queue fails', async () => {
    seedBase(world);
    await enqueue(world, jobFor(world, 'library/missing', 'v1'));
    // Outlasts the SDK's three attempts.
    world.aws.sqs.failNext('SendMessage', { type: 'InternalError', status: 500, times: 3 });

    const { event, failed } = await world.sqs.deliver(createWorker(world));

    expect(failed).toEqual([event.Records[0]?.messageId]);
    expect(world.sqs.deadLettered()).toEqual([]);
    expect(world.sqs.queued()).toBe(1);
    const errors = world.output.logsAt('ERROR').map((l) => l.message);
    expect(errors).toHaveLength(2);
    expect(errors[1]).toMatch(/could not send to the dead-letter queue/);
  });

  it('drops, with an INFO line and not to the DLQ, a job for a repository ALLOWED_REPOS no longer lists', async () => {
    seedBase(world);
    await enqueue(world, jobFor(world, 'library/nginx', 'v1'));

    const { failed } = await world.sqs.deliver(createWorker(world, { allowedRepos: 'python, library/redis' }));

    expect(failed).toEqual([]);
    expect(world.sqs.deadLettered()).toEqual([]);
    expect(world.sqs.queued()).toBe(0);
    expect(world.output.logsAt('ERROR')).toEqual([]);
    expect(world.output.logsAt('WARN')).toEqual([]);
    expect(world.output.logsAt('INFO')).toContainEqual(
      expect.objectContaining({ message: 'job dropped: its repository is no longer in ALLOWED_REPOS', repository: 'library/nginx:v1' }),
    );
    expect(world.aws.ecr.calls).toEqual([]);
    expect(world.srcProxy.requests).toEqual([]);
  });

  it('drops a job whose tag the ALLOWED_REPOS entry for its repository no longer covers', async () => {
    seedBase(world);
    await enqueue(world, jobFor(world, 'python', '3.11-root'));

    const { failed } = await world.sqs.deliver(createWorker(world, { allowedRepos: 'python:3.12-*' }));

    expect(failed).toEqual([]);
    expect(world.sqs.deadLettered()).toEqual([]);
    expect(world.output.logsAt('INFO')).toContainEqual(expect.objectContaining({ repository: 'python:3.11-root' }));
    expect(world.srcProxy.requests).toEqual([]);
  });
});
