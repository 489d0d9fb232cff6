// A copy in the face of a misbehaving source: corrupt bytes, transient errors, oversize and obsolete manifests.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { anonymous } from '../../lambda/registry/credentials.js';
import { copyImage, type CopyOptions } from '../../lambda/registry/copy.js';
import { OperationAbortedError } from '../../lambda/abort.js';
import { DigestMismatchError, InvalidManifestError } from '../../lambda/registry/errors.js';
import { parseReference } from '../../lambda/registry/reference.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { blobExists, fetchManifest, manifestExists, pushRandomImage } from '../support/images.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { FAST_RETRY } from './fast-retry.js';

const open: CopyOptions = { sourceCredentials: anonymous, destinationCredentials: anonymous, retry: FAST_RETRY };
const BLOB_GET = /\/blobs\/sha256:[a-f0-9]{64}$/;

let src: TestRegistry;
let dst: TestRegistry;
let proxy: FaultProxy;

beforeAll(async () => {
  [src, dst] = await Promise.all([startRegistry(), startRegistry()]);
  proxy = await startFaultProxy(src.url);
});
afterAll(async () => {
  await Promise.all([proxy?.stop(), src?.stop(), dst?.stop()]);
});
beforeEach(() => {
  proxy.rules = [];
});

const from = (path: string) => parseReference(`${proxy.host}/${path}`);
const to = (path: string) => parseReference(`${dst.host}/${path}`);

describe('copy under faults', () => {
  it('fails on corrupted blob bytes and leaves the destination tag where it was', async () => {
    const old = await pushRandomImage(dst.url, 'corrupt/app', 'v1');
    await pushRandomImage(src.url, 'corrupt/app', 'v1', { layers: [40_000] });
    proxy.rules = [{ method: 'GET', path: BLOB_GET, corrupt: true }];

    const attempt = copyImage(from('corrupt/app:v1'), to('corrupt/app:v1'), open);
    await expect(attempt).rejects.toThrow(DigestMismatchError);
    expect((await fetchManifest(dst.url, 'corrupt/app', 'v1')).digest).toBe(old.digest);
    // Read once more in case the damage was in transit, then given up as permanent.
    const reads = new Map<string, number>();
    for (const r of proxy.requests.filter((r) => r.method === 'GET' && BLOB_GET.test(r.url))) reads.set(r.url, (reads.get(r.url) ?? 0) + 1);
    expect(Math.max(...reads.values())).toBe(2);
    await expect(attempt).rejects.toMatchObject({ failureClass: 'permanent' });
  });

  it('recovers when the bytes were damaged only once', async () => {
    const image = await pushRandomImage(src.url, 'corrupt/once', 'v1', { layers: [40_000] });
    const rule = { method: 'GET', path: BLOB_GET, corrupt: true, times: 1 };
    proxy.rules = [rule];
    await copyImage(from('corrupt/once:v1'), to('corrupt/once:v1'), open);
    expect(proxy.fired(rule)).toBe(1);
    expect((await fetchManifest(dst.url, 'corrupt/once', 'v1')).digest).toBe(image.digest);
  });

  it('reports a corrupt blob as such, at once, even while the destination is still authenticating', async () => {
    const locked = await startRegistry({ auth: 'basic', users: { u: 'p' } });
    try {
      await pushRandomImage(src.url, 'corrupt/slowauth', 'v1', { layers: [1_000] });
      proxy.rules = [{ method: 'GET', path: BLOB_GET, corrupt: true }];
      // A credential lookup that takes a while (an ECR token refresh): the small source blob
      // is read, and fails its digest, before the upload starts.
      const slowCredentials: CopyOptions['destinationCredentials'] = async () => {
        await new Promise((resolve) => setTimeout(resolve, 200));
        return { username: 'u', password: 'p' };
      };
      const started = Date.now();
      const attempt = copyImage(from('corrupt/slowauth:v1'), parseReference(`${locked.host}/corrupt/slowauth:v1`), {
        ...open,
        destinationCredentials: slowCredentials,
        idleTimeoutMs: 10_000,
      });
      await expect(attempt).rejects.toThrow(DigestMismatchError);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await locked.stop();
    }
  });

  it('starts no transfer after one fails, and returns only once those in flight are done', async () => {
    const image = await pushRandomImage(src.url, 'half/app', 'v1', { layers: [10_000, 20_000, 30_000] });
    const [slow, missing, later] = image.layerDigests as [string, string, string];
    proxy.rules = [
      { method: 'GET', path: new RegExp(`/blobs/${slow}$`), delayMs: 800 },
      { method: 'GET', path: new RegExp(`/blobs/${missing}$`), status: 404 },
    ];
    // Two at a time: the config and the slow layer, then the missing one fails while the slow one is in flight.
    const started = Date.now();
    await expect(copyImage(from('half/app:v1'), to('half/app:v1'), { ...open, concurrency: 2 })).rejects.toMatchObject({ status: 404 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(700);
    // The slow blob finished (the retry need not send it again); the one after the failure never started.
    expect(await blobExists(dst.url, 'half/app', slow)).toBe(true);
    expect(await blobExists(dst.url, 'half/app', later)).toBe(false);
    expect(proxy.requests.some((r) => r.url.endsWith(later))).toBe(false);
  });

  it('retries the config read that a platform check needs', async () => {
    const image = await pushRandomImage(src.url, 'plat/flaky', 'v1', { platform: { os: 'linux', architecture: 'arm64' } });
    const rule = { method: 'GET', path: new RegExp(`/blobs/${image.configDigest}$`), status: 503, times: 1 };
    proxy.rules = [rule];
    const summary = await copyImage(from('plat/flaky:v1'), to('plat/flaky:v1'), { ...open, platform: 'linux/arm64' });
    expect(proxy.fired(rule)).toBe(1);
    expect(summary.digest).toBe(image.digest);
  });

  it('uploads instead when the registry refuses a cross-repository mount', async () => {
    const image = await pushRandomImage(src.url, 'mount/refused-from', 'v1');
    const rule = { method: 'POST', path: /\?.*mount=/, status: 403, body: '{"errors":[{"code":"DENIED","message":"no pull on the source"}]}' };
    proxy.rules = [rule];
    const summary = await copyImage(from('mount/refused-from:v1'), from('mount/refused-to:v1'), open);
    expect(proxy.fired(rule)).toBe(3);
    expect(summary).toMatchObject({ digest: image.digest, blobsMounted: 0, blobsCopied: 3 });
  });

  it('does not write a new tag when the copy fails', async () => {
    await pushRandomImage(src.url, 'corrupt/new', 'v1');
    proxy.rules = [{ method: 'GET', path: BLOB_GET, corrupt: true }];
    await expect(copyImage(from('corrupt/new:v1'), to('corrupt/new:v1'), open)).rejects.toThrow(/hashes to/);
    expect(await manifestExists(dst.url, 'corrupt/new', 'v1')).toBe(false);
  });

  it('succeeds when the source answers 503 twice then 200', async () => {
    const image = await pushRandomImage(src.url, 'flaky/app', 'v1');
    const manifestRule = { method: 'GET', path: /\/manifests\/v1$/, status: 503, times: 2 };
    const blobRule = { method: 'GET', path: BLOB_GET, status: 503, times: 2, retryAfter: 0 };
    proxy.rules = [manifestRule, blobRule];

    const summary = await copyImage(from('flaky/app:v1'), to('flaky/app:v1'), open);
    expect(summary.digest).toBe(image.digest);
    expect(proxy.fired(manifestRule)).toBe(2);
    expect(proxy.fired(blobRule)).toBe(2);
    expect((await fetchManifest(dst.url, 'flaky/app', 'v1')).digest).toBe(image.digest);
  });

  it('restarts a blob cleanly when the connection drops mid-transfer', async () => {
    const image = await pushRandomImage(src.url, 'cut/app', 'v1', { layers: [300_000] });
    const rule = { method: 'GET', path: BLOB_GET, truncateAfter: 1000, times: 1 };
    proxy.rules = [rule];
    const summary = await copyImage(from('cut/app:v1'), to('cut/app:v1'), open);
    expect(proxy.fired(rule)).toBe(1);
    expect(summary.bytesCopied).toBe(image.totalBytes);
    expect((await fetchManifest(dst.url, 'cut/app', 'v1')).digest).toBe(image.digest);
  });

  it('re-sends a blob whose streamed upload is refused 401 (the token case is in copy-auth.test.ts)', async () => {
    const image = await pushRandomImage(src.url, 'expired/app', 'v1', { layers: [20_000] });
    const dstProxy = await startFaultProxy(dst.url);
    try {
      const rule = { method: 'PATCH', path: /\/blobs\/uploads\//, status: 401, times: 1 };
      dstProxy.rules = [rule];
      await copyImage(from('expired/app:v1'), parseReference(`${dstProxy.host}/expired/app:v1`), open);
      expect(dstProxy.fired(rule)).toBe(1);
      expect((await fetchManifest(dst.url, 'expired/app', 'v1')).digest).toBe(image.digest);
    } finally {
      await dstProxy.stop();
    }
  });

  it.each([
    ['a blob download', 'source', 'GET', BLOB_GET],
    ['a blob upload', 'destination', 'PATCH', /\/blobs\/uploads\//],
  ] as const)('stops promptly when aborted during %s, as a transient error, without moving the tag', async (_, side, method, path) => {
    const repo = `slow/${side}`;
    await pushRandomImage(src.url, repo, 'v1', { layers: [2_000_000] });
    const dstProxy = await startFaultProxy(dst.url);
    try {
      (side === 'source' ? proxy : dstProxy).rules = [{ method, path, delayMs: 5_000 }];
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error('the Lambda is about to time out')), 300);
      const started = Date.now();
      const attempt = copyImage(from(`${repo}:v1`), parseReference(`${dstProxy.host}/${repo}:v1`), { ...open, signal: controller.signal });
      await expect(attempt).rejects.toThrow(OperationAbortedError);
      await expect(attempt).rejects.toMatchObject({ failureClass: 'transient', message: /the Lambda is about to time out/ });
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(await manifestExists(dst.url, repo, 'v1')).toBe(false);
    } finally {
      await dstProxy.stop();
    }
  });

  it('does not start when already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('no time left'));
    const before = proxy.requests.length;
    await expect(copyImage(from('any/app:v1'), to('any/app:v1'), { ...open, signal: controller.signal })).rejects.toThrow(/no time left/);
    expect(proxy.requests.length).toBe(before);
  });

  it('gives up on a source that keeps failing, as a transient error', async () => {
    await pushRandomImage(src.url, 'down/app', 'v1');
    proxy.rules = [{ path: /\/manifests\//, status: 502 }];
    const attempt = copyImage(from('down/app:v1'), to('down/app:v1'), open);
    await expect(attempt).rejects.toMatchObject({ failureClass: 'transient', status: 502 });
  });

  it('refuses a manifest over 4 MiB', async () => {
    const big = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', annotations: { pad: 'x'.repeat(4 * 1024 * 1024) } });
    proxy.rules = [{ method: 'GET', path: /\/manifests\/big$/, status: 200, body: big, headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' } }];
    const attempt = copyImage(from('huge/app:big'), to('huge/app:big'), open);
    await expect(attempt).rejects.toThrow(InvalidManifestError);
    await expect(attempt).rejects.toThrow(/4194304-byte limit/);
  });

  it('refuses a Docker schema 1 manifest with a clear reason', async () => {
    const schema1 = JSON.stringify({ schemaVersion: 1, name: 'old/app', tag: 'v1', architecture: 'amd64', fsLayers: [], history: [] });
    proxy.rules = [
      {
        method: 'GET',
        path: /\/manifests\/v1$/,
        status: 200,
        body: schema1,
        headers: { 'content-type': 'application/vnd.docker.distribution.manifest.v1+prettyjws' },
      },
    ];
    await expect(copyImage(from('old/app:v1'), to('old/app:v1'), open)).rejects.toThrow(/Docker schema 1, deprecated/);
  });

  it('refuses a manifest whose bytes do not match the digest asked for', async () => {
    const image = await pushRandomImage(src.url, 'swap/app', 'v1');
    const other = await pushRandomImage(src.url, 'swap/app', 'v2');
    proxy.rules = [
      {
        method: 'GET',
        path: new RegExp(`/manifests/${image.digest}$`),
        status: 200,
        body: Buffer.from(other.manifestBytes).toString('utf8'),
        headers: { 'content-type': other.mediaType },
      },
    ];
    await expect(copyImage(from(`swap/app@${image.digest}`), to('swap/app:v1'), open)).rejects.toThrow(DigestMismatchError);
  });
});
