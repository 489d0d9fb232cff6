// Doing a job twice costs nothing, an immutable tag holding the same image is success, and a
// copy cut off midway resumes without sending again what already arrived.
import { describe, expect, it } from 'vitest';
import type { FaultRule } from '../support/fault-proxy.js';
import { pushBlob, pushManifest } from '../support/images.js';
import {
  BASE, ECR_AUTH, blobCommits, createWorker, enqueue, jobFor, mirroredDigest, pushSource, seedBase, settled, useWorld, writes,
} from './fixtures.js';

const world = useWorld();
const mirroredLines = () => world.output.logsAt('INFO').filter((l) => l.message === 'image mirrored');

describe('idempotency and resumption', () => {
  it('completes a job for an image already mirrored without uploading anything', async () => {
    seedBase(world);
    const image = await pushSource(world, 'library/nginx', '1.25-root');
    await enqueue(world, jobFor(world, 'library/nginx', '1.25-root'));
    const worker = createWorker(world);
    await world.sqs.deliver(worker);
    const before = world.dstProxy.requests.length;

    // Root sends the same image again (another webhook).
    await enqueue(world, jobFor(world, 'library/nginx', '1.25-root'));
    const again = await world.sqs.deliver(worker);

    expect(again.failed).toEqual([]);
    expect(writes(world.dstProxy.requests.slice(before))).toEqual([]);
    expect(world.srcProxy.requests.filter((r) => /\/blobs\//.test(r.url)).length).toBe(image.blobs.size);
    expect(mirroredLines().at(-1)).toMatchObject({ digest: image.digest, up_to_date: true, blobs_copied: 0, bytes: 0 });
  });

  it('never rolls a tag back when an older event for it is retried after a newer one succeeded', async () => {
    seedBase(world);
    const older = await pushSource(world, 'library/redis', '7-root');
    const newer = await pushSource(world, 'library/redis', '7-root');
    // Root announced both, each pinned to its digest; the older job failed once and comes back last.
    await enqueue(world, jobFor(world, 'library/redis', '7-root', { source: `${world.srcProxy.host}/library/redis:7-root@${older.digest}`, digest: older.digest }));
    world.srcProxy.rules = [{ method: 'GET', path: new RegExp(`/manifests/${older.digest}$`), status: 503 }];
    const worker = createWorker(world);
    expect((await world.sqs.deliver(worker)).failed).toHaveLength(1);

    world.srcProxy.rules = [];
    await enqueue(world, jobFor(world, 'library/redis', '7-root', { source: `${world.srcProxy.host}/library/redis:7-root@${newer.digest}`, digest: newer.digest }));
    world.sqs.waitOutRetryDelay();
    // Both in one batch, mirrored side by side: whichever finishes last, the tag ends on the newer image.
    expect((await world.sqs.deliver(worker)).failed).toEqual([]);

    expect(world.sqs.queued()).toBe(0);
    expect(await mirroredDigest(world, 'library/redis', '7-root')).toBe(newer.digest);
    expect(mirroredLines().map((l) => [l.digest, l.tagged])).toEqual(
      expect.arrayContaining([
        [newer.digest, true],
        [older.digest, false],
      ]),
    );
  });

  it('treats an immutable tag that already holds the same digest as success, without pushing', async () => {
    seedBase(world); // IMMUTABLE, like the base
    const image = await pushSource(world, 'python', '3.12-root');
    // The image is already in the destination, put there by someone else.
    const repo = `${BASE}/python`;
    for (const bytes of image.blobs.values()) await pushBlob(world.dst.url, repo, bytes, ECR_AUTH);
    await pushManifest(world.dst.url, repo, '3.12-root', image.manifestBytes, image.mediaType, ECR_AUTH);
    // ECR refuses any push to an immutable tag, even of the same manifest.
    const immutable: FaultRule = { method: 'PUT', path: /\/manifests\//, status: 400, body: '{"errors":[{"code":"TAG_INVALID","message":"immutable"}]}' };
    world.dstProxy.rules = [immutable];
    await enqueue(world, jobFor(world, 'python', '3.12-root'));

    const { failed } = await world.sqs.deliver(createWorker(world));

    expect(failed).toEqual([]);
    expect(world.sqs.deadLettered()).toEqual([]);
    expect(world.dstProxy.fired(immutable)).toBe(0);
    expect(writes(world.dstProxy.requests)).toEqual([]);
    expect(mirroredLines()).toMatchObject([{ digest: image.digest, up_to_date: true }]);
  });

  it('resumes a copy cut off at its third blob without sending again the blobs already uploaded', async () => {
    seedBase(world);
    const image = await pushSource(world, 'golang', '1.22-root', { layers: [3000, 3000, 3000, 3000, 3000] });
    const third = image.layerDigests[1]!; // config, layer 1, layer 2: the third blob
    world.srcProxy.rules = [{ method: 'GET', path: new RegExp(`/blobs/${third}$`), status: 503 }];
    await enqueue(world, jobFor(world, 'golang', '1.22-root'));
    const worker = createWorker(world);

    const first = await world.sqs.deliver(worker);
    expect(first.failed).toHaveLength(1);
    await settled(world.dstProxy);
    const uploadedFirst = blobCommits(world.dstProxy);
    expect(uploadedFirst.has(third)).toBe(false);
    expect(uploadedFirst.size).toBeGreaterThan(0);

    world.srcProxy.rules = [];
    world.sqs.waitOutRetryDelay();
    const second = await world.sqs.deliver(worker);

    expect(second.failed).toEqual([]);
    const commits = blobCommits(world.dstProxy);
    expect([...commits.keys()].sort()).toEqual([...image.blobs.keys()].sort());
    expect([...commits.values()].every((n) => n === 1)).toBe(true);
    expect(world.dstProxy.requests.filter((r) => r.method === 'PATCH')).toHaveLength(image.blobs.size);
    expect(mirroredLines()).toMatchObject([{ blobs_skipped: uploadedFirst.size, blobs_copied: image.blobs.size - uploadedFirst.size }]);
    expect(await mirroredDigest(world, 'golang', '1.22-root')).toBe(image.digest);
  });
});
