// A blob upload is completed only once its source stream ended with the right size and digest,
// and a failed transfer leaves no upload session open on the destination.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { anonymous } from '../../lambda/registry/credentials.js';
import { copyImage, type CopyOptions } from '../../lambda/registry/copy.js';
import { DigestMismatchError } from '../../lambda/registry/errors.js';
import { parseReference } from '../../lambda/registry/reference.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { pushRandomImage } from '../support/images.js';
import { startLaxRegistry, type LaxRegistry } from '../support/lax-registry.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { FAST_RETRY } from './fast-retry.js';

const open: CopyOptions = { sourceCredentials: anonymous, destinationCredentials: anonymous, retry: FAST_RETRY };
const BLOB_GET = /\/blobs\/sha256:[a-f0-9]{64}$/;

let src: TestRegistry;
let dst: TestRegistry;
let lax: LaxRegistry;
let proxy: FaultProxy;

beforeAll(async () => {
  [src, dst, lax] = await Promise.all([startRegistry(), startRegistry(), startLaxRegistry()]);
  proxy = await startFaultProxy(src.url);
});
afterAll(async () => {
  await Promise.all([proxy?.stop(), src?.stop(), dst?.stop(), lax?.stop()]);
});
beforeEach(() => {
  proxy.rules = [];
});

const from = (path: string) => parseReference(`${proxy.host}/${path}`);

/**
 * Upload sessions still holding bytes. (Distribution 2.8's cancel leaves a small
 * `hashstates/sha256/0` stub behind after deleting a session's data: not counted.)
 */
async function uploadsHoldingData(registry: TestRegistry, repo: string): Promise<string[]> {
  const dir = join(registry.storageDir, 'docker/registry/v2/repositories', repo, '_uploads');
  const sessions = await readdir(dir).catch(() => []);
  const held = await Promise.all(sessions.map(async (id) => ((await readdir(join(dir, id))).includes('data') ? [id] : [])));
  return held.flat();
}

describe('a blob upload completes only after its bytes were verified', () => {
  it('never commits wrong bytes to a destination that does not check digests', async () => {
    await pushRandomImage(src.url, 'verify/lax', 'v1', { layers: [50_000] });
    // Every byte arrives, damaged, and the source takes a moment to end its response: the
    // destination has answered the PATCH long before the digest can be known.
    proxy.rules = [{ method: 'GET', path: BLOB_GET, corrupt: true, holdEndMs: 300 }];

    const attempt = copyImage(from('verify/lax:v1'), parseReference(`${lax.host}/verify/lax:v1`), open);
    await expect(attempt).rejects.toThrow(DigestMismatchError);
    expect(lax.blobs.size).toBe(0);
    expect(lax.manifests.size).toBe(0);
    expect(lax.requests.filter((r) => r.startsWith('PUT '))).toEqual([]);
  });

  it('commits the same blobs once the source is sound', async () => {
    const image = await pushRandomImage(src.url, 'verify/sound', 'v1', { layers: [50_000] });
    proxy.rules = [{ method: 'GET', path: BLOB_GET, holdEndMs: 100 }];
    await copyImage(from('verify/sound:v1'), parseReference(`${lax.host}/verify/sound:v1`), open);
    for (const [digest, bytes] of image.blobs) expect(lax.blobs.get(digest)?.equals(Buffer.from(bytes))).toBe(true);
  });

  it('deletes the upload sessions of a failed blob transfer on a real registry', async () => {
    await pushRandomImage(src.url, 'verify/abandoned', 'v1', { layers: [50_000] });
    // Every byte reaches the registry before the digest is known to be wrong.
    proxy.rules = [{ method: 'GET', path: BLOB_GET, corrupt: true, holdEndMs: 200 }];

    const attempt = copyImage(from('verify/abandoned:v1'), parseReference(`${dst.host}/verify/abandoned:v1`), open);
    await expect(attempt).rejects.toThrow(DigestMismatchError);
    expect(await uploadsHoldingData(dst, 'verify/abandoned')).toEqual([]);
  });

  it('deletes them on a destination that keeps them, too', async () => {
    await pushRandomImage(src.url, 'verify/lax-abandoned', 'v1', { layers: [50_000] });
    proxy.rules = [{ method: 'GET', path: BLOB_GET, corrupt: true }];
    lax.requests.length = 0;
    await expect(copyImage(from('verify/lax-abandoned:v1'), parseReference(`${lax.host}/verify/lax-abandoned:v1`), open)).rejects.toThrow(
      DigestMismatchError,
    );
    const started = lax.requests.filter((r) => r.startsWith('POST ')).length;
    expect(started).toBeGreaterThan(0);
    expect(lax.requests.filter((r) => r.startsWith('DELETE ')).length).toBe(started);
  });
});
