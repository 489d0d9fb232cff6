// Partial batch failures: only the records that must come back are reported, by messageId.
import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { decodeJob } from '../../lambda/queue/job-message.js';
import { createWorker, enqueue, jobFor, mirroredDigest, pushSource, seedBase, useWorld } from './fixtures.js';

const world = useWorld();
const repoOf = (record: SQSRecord) => decodeJob(record.body).destinationRepository.split('/').slice(1).join('/');

describe('a batch of jobs', () => {
  it('reports exactly the 2 of 5 records that failed, and mirrors the other 3', async () => {
    seedBase(world);
    const good = ['app-a', 'app-b', 'app-c'];
    const flaky = ['flaky-a', 'flaky-b'];
    const images = await Promise.all(good.map((repo) => pushSource(world, repo, 'v1')));
    await Promise.all(flaky.map((repo) => pushSource(world, repo, 'v1')));
    world.srcProxy.rules = [{ method: 'GET', path: /\/v2\/flaky-[ab]\/manifests\//, status: 503 }];
    await enqueue(world, ...['app-a', 'flaky-a', 'app-b', 'flaky-b', 'app-c'].map((repo) => jobFor(world, repo, 'v1')));

    const { event, failed } = await world.sqs.deliver(createWorker(world));

    expect(event.Records).toHaveLength(5);
    const expected = event.Records.filter((r) => flaky.includes(repoOf(r))).map((r) => r.messageId);
    expect(failed.sort()).toEqual(expected.sort());
    expect(world.sqs.visibilityChanges()).toHaveLength(2);
    expect(world.sqs.queued()).toBe(2);
    for (const [i, repo] of good.entries()) expect(await mirroredDigest(world, repo, 'v1')).toBe(images[i]?.digest);
  });

  it('reports the transient failure but not the permanent one, which is dead-lettered', async () => {
    seedBase(world);
    const images = await Promise.all(['ok-1', 'ok-2', 'ok-3', 'flaky'].map((repo) => pushSource(world, repo, 'v1')));
    world.srcProxy.rules = [{ method: 'GET', path: /\/v2\/flaky\/manifests\//, status: 503 }];
    await enqueue(world, ...['ok-1', 'gone', 'ok-2', 'flaky', 'ok-3'].map((repo) => jobFor(world, repo, 'v1')));

    const { event, failed } = await world.sqs.deliver(createWorker(world));

    expect(failed).toEqual(event.Records.filter((r) => repoOf(r) === 'flaky').map((r) => r.messageId));
    expect(world.sqs.deadLettered().map((m) => decodeJob(m.body).destinationRepository)).toEqual(['root-mirror/gone']);
    expect(world.sqs.queued()).toBe(1);
    expect(world.output.logsAt('INFO').filter((l) => l.message === 'image mirrored')).toHaveLength(3);
    expect(await mirroredDigest(world, 'ok-3', 'v1')).toBe(images[2]?.digest);
  });
});
