// Transient failures: the record goes back to the queue (batchItemFailures) with a visibility
// timeout that grows with each delivery, and the job succeeds once the cause passes.
import { describe, expect, it, vi } from 'vitest';
import { MAX_DELIVERIES, MAX_RESUMES } from '../../lambda/queue/deliveries.js';
import { RESUME_DELAY_S } from '../../lambda/handlers/retry-delay.js';
import { startBlobServer } from '../support/blob-server.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { manifestExists } from '../support/images.js';
import { BASE, ECR_AUTH, blobCommits, createWorker, enqueue, jobFor, mirroredDigest, pushSource, seedBase, useWorld } from './fixtures.js';

const world = useWorld();
const BLOB_GET = /\/blobs\/sha256:[a-f0-9]{64}$/;

describe('transient failures', () => {
  it('returns an ECR-throttled job for retry, later each time, and mirrors it once ECR lets it through', async () => {
    seedBase(world);
    const image = await pushSource(world, 'library/nginx', '1.25-root');
    await enqueue(world, jobFor(world, 'library/nginx', '1.25-root'));
    // Each delivery's CreateRepository is throttled through all three SDK attempts, three deliveries running.
    world.aws.ecr.failNext('CreateRepository', { type: 'ThrottlingException', message: 'Rate exceeded', times: 9 });
    const worker = createWorker(world);

    for (let delivery = 1; delivery <= 3; delivery++) {
      const { event, failed } = await world.sqs.deliver(worker);
      expect(event.Records[0]?.attributes.ApproximateReceiveCount).toBe(String(delivery));
      expect(failed).toEqual([event.Records[0]?.messageId]);
      world.sqs.waitOutRetryDelay();
    }

    const delays = world.sqs.visibilityChanges();
    expect(delays).toHaveLength(3);
    // About 30 s, then 60 s, then 120 s, each with up to a quarter of jitter off.
    expect(delays[0]).toBeGreaterThanOrEqual(22);
    expect(delays[0]).toBeLessThanOrEqual(30);
    expect(delays[1]).toBeGreaterThanOrEqual(45);
    expect(delays[1]).toBeLessThanOrEqual(60);
    expect(delays[2]).toBeGreaterThanOrEqual(90);
    expect(delays[2]).toBeLessThanOrEqual(120);
    for (const call of world.aws.sqs.callsTo('ChangeMessageVisibility')) expect(call.params.QueueUrl).toBe(world.sqs.queueUrl);

    const warnings = world.output.logsAt('WARN').filter((l) => l.message.includes('will be retried'));
    expect(warnings.map((w) => [w.class, w.code, w.attempt])).toEqual([
      ['transient', 'ThrottlingException', 1],
      ['transient', 'ThrottlingException', 2],
      ['transient', 'ThrottlingException', 3],
    ]);
    expect(world.output.logsAt('ERROR')).toEqual([]);
    expect(world.sqs.deadLettered()).toEqual([]);

    const last = await world.sqs.deliver(worker);
    expect(last.failed).toEqual([]);
    expect(await mirroredDigest(world, 'library/nginx', '1.25-root')).toBe(image.digest);
    expect(world.sqs.queued()).toBe(0);
  });

  it('gives a job that keeps failing up on its last delivery, into the dead-letter queue with its reason', async () => {
    seedBase(world);
    await pushSource(world, 'golang', '1.22-root');
    await enqueue(world, jobFor(world, 'golang', '1.22-root'));
    world.srcProxy.rules = [{ method: 'GET', path: /\/manifests\/1\.22-root$/, status: 503 }];
    const worker = createWorker(world);

    for (let delivery = 1; delivery < MAX_DELIVERIES; delivery++) {
      const { failed } = await world.sqs.deliver(worker);
      expect(failed).toHaveLength(1);
      world.sqs.waitOutRetryDelay();
    }
    expect(world.sqs.deadLettered()).toEqual([]);

    const last = await world.sqs.deliver(worker);
    expect(last.event.Records[0]?.attributes.ApproximateReceiveCount).toBe(String(MAX_DELIVERIES));
    expect(last.failed).toEqual([]);
    const [dead] = world.sqs.deadLettered();
    expect(dead?.messageAttributes?.failure_class?.StringValue).toBe('transient');
    expect(dead?.messageAttributes?.failure_reason?.StringValue).toMatch(/503/);
    const errors = world.output.logsAt('ERROR');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toContain(`still failed after ${MAX_DELIVERIES} deliveries`);
    expect(world.sqs.queued()).toBe(0);
  });

  it('stops a copy before the Lambda timeout and queues it again to carry on, without re-sending blobs', async () => {
    seedBase(world);
    const image = await pushSource(world, 'library/slow', '1-root', { layers: [300_000, 400_000, 500_000] });
    await enqueue(world, jobFor(world, 'library/slow', '1-root'));
    // One layer crawls; the invocation has 2.5 s left, so the copy is stopped after 2 s: time
    // for the other blobs to be committed even on a loaded machine (400 ms was not, in CI).
    const slow = { method: 'GET', path: new RegExp(`/blobs/${image.layerDigests[2]}$`), delayMs: 10_000, times: 1 };
    world.srcProxy.rules = [slow];
    const worker = createWorker(world);
    const context = { getRemainingTimeInMillis: () => 2_500 };

    const started = Date.now();
    const first = await world.sqs.deliver((event) => worker(event, context));
    expect(Date.now() - started).toBeLessThan(5_000);
    // Settled, not failed: a new message carries on with a fresh delivery count.
    expect(first.failed).toEqual([]);
    expect(world.sqs.visibilityChanges()).toEqual([]);
    const [resumed] = world.aws.sqs.messages(world.sqs.queueUrl);
    expect(world.sqs.queued()).toBe(1);
    expect(JSON.parse(resumed!.body)).toMatchObject({ resumes: 1 });
    expect(world.output.logsAt('INFO').filter((l) => l.message.includes('queued again'))).toHaveLength(1);
    expect(world.output.emf().filter((doc) => 'MirrorFailures' in doc)).toEqual([]);
    expect(await manifestExists(world.dst.url, `${BASE}/library/slow`, '1-root', ECR_AUTH)).toBe(false);
    const sentFirst = blobCommits(world.dstProxy);

    const second = await world.sqs.deliver((event) => worker(event, { getRemainingTimeInMillis: () => 900_000 }));
    expect(second.event.Records[0]?.attributes.ApproximateReceiveCount).toBe('1');
    expect(second.failed).toEqual([]);
    expect(await mirroredDigest(world, 'library/slow', '1-root')).toBe(image.digest);
    // Each blob was committed once over both deliveries: the first delivery's work was kept.
    const sentBoth = blobCommits(world.dstProxy);
    expect(sentFirst.size).toBeGreaterThan(0);
    for (const count of sentBoth.values()) expect(count).toBe(1);
    expect(world.sqs.queued()).toBe(0);
  });

  it('stops waiting for a stalled ECR call at the deadline and queues the job again', async () => {
    seedBase(world);
    await pushSource(world, 'library/stall', '1-root');
    await enqueue(world, jobFor(world, 'library/stall', '1-root'));
    const ecrFront = await startFaultProxy(world.aws.ecr.url);
    const saved = process.env.AWS_ENDPOINT_URL_ECR;
    try {
      ecrFront.rules = [{ method: 'POST', path: /^\/$/, delayMs: 10_000, times: 1 }];
      process.env.AWS_ENDPOINT_URL_ECR = ecrFront.url;
      const worker = createWorker(world);

      const started = Date.now();
      const { failed } = await world.sqs.deliver((event) => worker(event, { getRemainingTimeInMillis: () => 500 }));

      expect(Date.now() - started).toBeLessThan(3_000);
      expect(failed).toEqual([]);
      expect(world.sqs.queued()).toBe(1);
      expect(JSON.parse(world.aws.sqs.messages(world.sqs.queueUrl)[0]!.body)).toMatchObject({ resumes: 1 });
    } finally {
      process.env.AWS_ENDPOINT_URL_ECR = saved;
      await ecrFront.stop();
    }
  });

  it('clears its deadline timer when the invocation ends, so none outlives it in a warm Lambda', async () => {
    seedBase(world);
    await pushSource(world, 'library/quick', '1-root');
    await enqueue(world, jobFor(world, 'library/quick', '1-root'));
    const worker = createWorker(world);
    // The deadline is the one timer set for the time left less the margin: 900 s - 30 s.
    const deadlines: unknown[] = [];
    const setSpy = vi.spyOn(globalThis, 'setTimeout');
    const clearSpy = vi.spyOn(globalThis, 'clearTimeout');
    try {
      const { failed } = await world.sqs.deliver((event) => worker(event, { getRemainingTimeInMillis: () => 900_000 }));
      expect(failed).toEqual([]);
      setSpy.mock.calls.forEach((call, i) => {
        if (call[1] === 870_000) deadlines.push(setSpy.mock.results[i]?.value);
      });
      expect(deadlines).toHaveLength(1);
      expect(clearSpy.mock.calls.map((call) => call[0])).toContain(deadlines[0]);
    } finally {
      setSpy.mockRestore();
      clearSpy.mockRestore();
    }
  });

  it('stops queueing a copy again after MAX_RESUMES, falling back to bounded retries', async () => {
    seedBase(world);
    const image = await pushSource(world, 'library/stuck', '1-root', { layers: [100_000] });
    await enqueue(world, jobFor(world, 'library/stuck', '1-root', { resumes: MAX_RESUMES }));
    world.srcProxy.rules = [{ method: 'GET', path: new RegExp(`/blobs/${image.layerDigests[0]}$`), delayMs: 10_000, times: 1 }];

    const { failed } = await world.sqs.deliver((event) => createWorker(world)(event, { getRemainingTimeInMillis: () => 500 }));

    expect(failed).toHaveLength(1);
    expect(world.sqs.visibilityChanges()).toEqual([RESUME_DELAY_S]);
    expect(world.output.logsAt('WARN').map((l) => l.code)).toEqual(['ABORTED']);
  });

  it.each(['LimitExceededException', 'ServerException'])('returns the job for retry on ECR %s', async (type) => {
    seedBase(world);
    await pushSource(world, 'python', '3.12-root');
    await enqueue(world, jobFor(world, 'python', '3.12-root'));
    world.aws.ecr.failNext('GetAuthorizationToken', { type, status: type === 'ServerException' ? 500 : 400, times: 3 });

    const { event, failed } = await world.sqs.deliver(createWorker(world));

    expect(failed).toEqual([event.Records[0]?.messageId]);
    expect(world.sqs.visibilityChanges()).toHaveLength(1);
    expect(world.sqs.deadLettered()).toEqual([]);
  });

  it('mirrors in one delivery when the source answers 503 twice, then serves', async () => {
    seedBase(world);
    const image = await pushSource(world, 'redis', '7-root');
    await enqueue(world, jobFor(world, 'redis', '7-root'));
    const manifest503 = { method: 'GET', path: /\/manifests\/7-root$/, status: 503, times: 2 };
    const blob503 = { method: 'GET', path: BLOB_GET, status: 503, times: 2 };
    world.srcProxy.rules = [manifest503, blob503];

    const { failed } = await world.sqs.deliver(createWorker(world));

    expect(failed).toEqual([]);
    expect(world.srcProxy.fired(manifest503)).toBe(2);
    expect(world.srcProxy.fired(blob503)).toBe(2);
    expect(world.sqs.visibilityChanges()).toEqual([]);
    expect(await mirroredDigest(world, 'redis', '7-root')).toBe(image.digest);
  });

  it('returns the job for retry when the source stays unavailable, and mirrors it after', async () => {
    seedBase(world);
    const image = await pushSource(world, 'golang', '1.22-root');
    await enqueue(world, jobFor(world, 'golang', '1.22-root'));
    world.srcProxy.rules = [{ method: 'GET', path: /\/manifests\/1\.22-root$/, status: 503 }];
    const worker = createWorker(world);

    const first = await world.sqs.deliver(worker);
    expect(first.failed).toHaveLength(1);
    expect(world.output.logsAt('WARN').at(-1)).toMatchObject({ class: 'transient', code: 'UNAVAILABLE' });

    world.srcProxy.rules = [];
    world.sqs.waitOutRetryDelay();
    expect((await world.sqs.deliver(worker)).failed).toEqual([]);
    expect(await mirroredDigest(world, 'golang', '1.22-root')).toBe(image.digest);
  });
  it("retries, without blaming Root's key, a job whose blob storage refuses an expired redirect (403 from another host)", async () => {
    seedBase(world);
    const image = await pushSource(world, 'library/s3', '1-root', { layers: [20_000] });
    await enqueue(world, jobFor(world, 'library/s3', '1-root'));
    const storage = await startBlobServer({ blobs: image.blobs });
    const storageFront = await startFaultProxy(storage.url);
    try {
      world.srcProxy.rules = [{ method: 'GET', path: BLOB_GET, redirectTo: storageFront.url, redirectStatus: 307 }];
      const expired = '<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>';
      storageFront.rules = [{ method: 'GET', path: BLOB_GET, status: 403, body: expired }];
      const worker = createWorker(world);

      const first = await world.sqs.deliver(worker);
      expect(first.failed).toHaveLength(1);
      expect(world.sqs.deadLettered()).toEqual([]);
      const [warning] = world.output.logsAt('WARN').filter((l) => l.message.includes('will be retried'));
      expect(warning).toMatchObject({ class: 'transient', code: 'REDIRECT_TARGET_REFUSED' });
      expect(JSON.stringify(world.output.logsAt('WARN'))).not.toContain('Root API key');

      storageFront.rules = [];
      world.sqs.waitOutRetryDelay();
      const second = await world.sqs.deliver(worker);
      expect(second.failed).toEqual([]);
      expect(await mirroredDigest(world, 'library/s3', '1-root')).toBe(image.digest);
    } finally {
      await Promise.all([storageFront.stop(), storage.stop()]);
    }
  });
});
