// A reconcile that does not fit in one invocation: stopped before the Lambda timeout, it queues
// what it planned so far and hands the repositories it had no time for to a follow-up, which
// arrives through the mirror queue and finishes the job, instead of the plan being cut off.
import type { SQSBatchResponse } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeJob } from '../../lambda/queue/job-message.js';
import type { ReconcileSummary } from '../../lambda/reconcile/summary.js';
import { pushSource, seedBase, useWorld } from '../worker/fixtures.js';
import { coldStart } from './fixtures.js';

const world = useWorld();

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('a reconcile longer than its invocation', () => {
  it('continues the repositories it had no time for in a follow-up through the queue', async () => {
    seedBase(world);
    const quick = ['cont/a', 'cont/b', 'cont/c', 'cont/d'];
    const slow = ['cont/slow-1', 'cont/slow-2'];
    for (const repo of [...quick, ...slow]) await pushSource(world, repo, 'v1');
    // Root answers the slow repositories' HEADs only after the invocation's deadline.
    world.srcProxy.rules = [{ method: 'HEAD', path: /^\/v2\/cont\/slow-\d\/manifests\//, delayMs: 5_000 }];
    const handler = await coldStart(world, { ALLOWED_REPOS: 'cont/*' });

    const started = Date.now();
    const summary = (await handler({ reconcile: {} }, { getRemainingTimeInMillis: () => 2_500 })) as ReconcileSummary;

    // Stopped a fifth of the remaining time before the deadline, not killed at it.
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(summary).toMatchObject({ ok: true, repositories: 4, queued: 4, continued: { repositories: 2, queued: true } });
    expect(summary.plan.map((p) => p.repository)).toEqual(quick);
    const messages = world.aws.sqs.messages(world.sqs.queueUrl);
    const followUp = messages.find((m) => m.body.startsWith('{"reconcile"'));
    expect(JSON.parse(followUp!.body)).toEqual({ reconcile: { continue: slow, round: 1 } });

    world.srcProxy.rules = [];
    const event = await world.sqs.receive();
    expect(event.Records).toHaveLength(5);
    const response = (await handler(event)) as SQSBatchResponse;
    await world.sqs.settle(event, response);
    expect(response.batchItemFailures).toEqual([]);

    // The follow-up queued the two it was handed; nothing was queued twice.
    const jobs = world.aws.sqs.messages(world.sqs.queueUrl).map((m) => decodeJob(m.body));
    expect(jobs.map((j) => j.destinationRepository).sort()).toEqual(slow.map((r) => `root-mirror/${r}`));
    const line = world.output.logsAt('INFO').filter((l) => l.message === 'reconcile finished').at(-1);
    expect(line).toMatchObject({ round: 1, repositories: 2, queued: 2 });
  });
});
