// Manifest amplification: crafted indexes pushed to a real registry, read through a proxy that counts the GETs.
import { describe, expect, it } from 'vitest';
import { anonymous } from '../../lambda/registry/credentials.js';
import { copyImage, type CopyOptions } from '../../lambda/registry/copy.js';
import { SizeMismatchError } from '../../lambda/registry/errors.js';
import { parseReference } from '../../lambda/registry/reference.js';
import { ManifestTreeLimitError } from '../../lambda/registry/tree-limits.js';
import { MEDIA_TYPES, fetchManifest, manifestExists, pushManifest, pushRandomImage, sha256Digest, type PushedImage } from '../support/images.js';
import { proxiedSource } from '../support/proxied-registries.js';
import { FAST_RETRY } from './fast-retry.js';

const open: CopyOptions = { sourceCredentials: anonymous, destinationCredentials: anonymous, retry: FAST_RETRY };
const OCI = MEDIA_TYPES.oci;
// The tree's own reads; referrer discovery reads tags named sha256-<hex>[.sig|.att|.sbom], which are not.
const MANIFEST_GET = /\/manifests\/(?!sha256-)/;

const registries = proxiedSource();

interface Pushed {
  readonly digest: string;
  readonly size: number;
  readonly mediaType: string;
}

/** An image manifest over `base`'s blobs, made distinct (and as large as wanted) by an annotation. */
async function pushVariant(repo: string, base: PushedImage, annotation: string): Promise<Pushed> {
  const manifest = JSON.parse(Buffer.from(base.manifestBytes).toString('utf8')) as Record<string, unknown>;
  const bytes = Buffer.from(JSON.stringify({ ...manifest, annotations: { 'test.pad': annotation } }));
  const digest = await pushManifest(registries.src.url, repo, sha256Digest(bytes), bytes, OCI.manifest);
  return { digest, size: bytes.length, mediaType: OCI.manifest };
}

/** An index listing `children` as given (repeats included), under `reference` or its digest. */
async function pushIndex(repo: string, children: readonly Pushed[], reference?: string): Promise<Pushed> {
  const manifests = children.map((c) => ({ mediaType: c.mediaType, digest: c.digest, size: c.size }));
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI.index, manifests }));
  const digest = await pushManifest(registries.src.url, repo, reference ?? sha256Digest(bytes), bytes, OCI.index);
  return { digest, size: bytes.length, mediaType: OCI.index };
}

const times = <T>(n: number, value: T): T[] => Array.from({ length: n }, () => value);
const manifestGets = () => registries.proxy.requests.filter((r) => r.method === 'GET' && MANIFEST_GET.test(r.url)).length;
const from = (path: string) => parseReference(`${registries.proxy.host}/${path}`);
const to = (path: string) => parseReference(`${registries.dst.host}/${path}`);

describe('collectTree under crafted indexes', () => {
  it('fetches each distinct manifest once: an index of 10 indexes of 10 images costs 3 GETs, not 111', async () => {
    const image = await pushRandomImage(registries.src.url, 'amp/repeat', 'base');
    const child = await pushVariant('amp/repeat', image, 'child');
    const inner = await pushIndex('amp/repeat', times(10, child));
    const outer = await pushIndex('amp/repeat', times(10, inner), 'v1');

    const summary = await copyImage(from('amp/repeat:v1'), to('amp/repeat:v1'), open);
    expect(manifestGets()).toBe(3);
    expect(summary.manifests).toBe(3);
    expect((await fetchManifest(registries.dst.url, 'amp/repeat', 'v1')).digest).toBe(outer.digest);
    expect(await manifestExists(registries.dst.url, 'amp/repeat', child.digest)).toBe(true);
  });

  it('refuses an index inside an index inside an index, after 3 GETs (the issue\'s 4-deep case cost 11,111)', async () => {
    const image = await pushRandomImage(registries.src.url, 'amp/deep', 'base');
    let level: Pushed = await pushVariant('amp/deep', image, 'leaf');
    for (let depth = 1; depth <= 4; depth++) level = await pushIndex('amp/deep', times(10, level), depth === 4 ? 'v1' : undefined);

    const attempt = copyImage(from('amp/deep:v1'), to('amp/deep:v1'), open);
    await expect(attempt).rejects.toThrow(ManifestTreeLimitError);
    await expect(attempt).rejects.toMatchObject({ failureClass: 'permanent', limit: 'nesting' });
    await expect(attempt).rejects.toThrow(/the limit of index nesting is 2/);
    expect(manifestGets()).toBe(3);
    expect(await manifestExists(registries.dst.url, 'amp/deep', 'v1')).toBe(false);
  });

  it('copies one 1 MB manifest listed 1,000 times with 2 GETs, and memory stays bounded', async () => {
    const image = await pushRandomImage(registries.src.url, 'amp/wide', 'base');
    const big = await pushVariant('amp/wide', image, 'x'.repeat(1024 * 1024));
    const index = await pushIndex('amp/wide', times(1_000, big), 'v1');
    expect(index.size).toBeGreaterThan(150_000);

    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    try {
      await copyImage(from('amp/wide:v1'), to('amp/wide:v1'), open);
    } finally {
      clearInterval(sampler);
    }
    expect(manifestGets()).toBe(2);
    // Before the fix this passed 1 GiB: a thousand copies of the same megabyte held at once.
    expect(peak - baseline).toBeLessThan(128 * 1024 * 1024);
    expect((await fetchManifest(registries.dst.url, 'amp/wide', 'v1')).digest).toBe(index.digest);
  });

  it('refuses more than 1,000 distinct manifests before fetching any of them', async () => {
    const image = await pushRandomImage(registries.src.url, 'amp/many', 'base');
    const variants: Pushed[] = [];
    const queue = Array.from({ length: 1_000 }, (_, i) => i);
    await Promise.all(
      times(8, 0).map(async () => {
        for (let i = queue.shift(); i !== undefined; i = queue.shift()) variants.push(await pushVariant('amp/many', image, `v${i}`));
      }),
    );
    await pushIndex('amp/many', variants, 'v1');

    const attempt = copyImage(from('amp/many:v1'), to('amp/many:v1'), open);
    await expect(attempt).rejects.toMatchObject({ failureClass: 'permanent', limit: 'manifests' });
    await expect(attempt).rejects.toThrow(/more than 1000 distinct manifests \(the limit of manifests per image\)/);
    expect(manifestGets()).toBe(1);
  });

  it('refuses manifests whose sizes add up to more than 64 MiB before fetching them', async () => {
    const image = await pushRandomImage(registries.src.url, 'amp/bytes', 'base');
    // Seventeen distinct children declared at 4 MiB each: 68 MiB, over the limit as listed.
    const children: Pushed[] = [];
    for (let i = 0; i < 17; i++) children.push({ ...(await pushVariant('amp/bytes', image, `c${i}`)), size: 4 * 1024 * 1024 });
    await pushIndex('amp/bytes', children, 'v1');

    const attempt = copyImage(from('amp/bytes:v1'), to('amp/bytes:v1'), open);
    await expect(attempt).rejects.toMatchObject({ failureClass: 'permanent', limit: 'bytes' });
    await expect(attempt).rejects.toThrow(/more than 67108864 bytes \(64 MiB, the limit of manifest bytes per image\)/);
    expect(manifestGets()).toBe(1);
  });

  it('counts the bytes received, not the sizes declared: a child smaller on paper is refused once fetched', async () => {
    const image = await pushRandomImage(registries.src.url, 'amp/lie', 'base');
    const real = await pushVariant('amp/lie', image, 'y'.repeat(20_000));
    await pushIndex('amp/lie', [{ ...real, size: 100 }], 'v1');

    const attempt = copyImage(from('amp/lie:v1'), to('amp/lie:v1'), { ...open, treeLimits: { maxManifestBytes: 10_000 } });
    await expect(attempt).rejects.toThrow(SizeMismatchError);
    await expect(attempt).rejects.toMatchObject({ failureClass: 'permanent' });
  });

  it('takes its limits from the options, so they can be scaled down', async () => {
    const image = await pushRandomImage(registries.src.url, 'amp/scaled', 'base');
    const children: Pushed[] = [];
    for (let i = 0; i < 6; i++) children.push(await pushVariant('amp/scaled', image, `${i}`.repeat(10_000)));
    await pushIndex('amp/scaled', children, 'v1');

    const bytes = copyImage(from('amp/scaled:v1'), to('amp/scaled:v1'), { ...open, treeLimits: { maxManifestBytes: 35_000 } });
    await expect(bytes).rejects.toMatchObject({ limit: 'bytes' });
    const count = copyImage(from('amp/scaled:v1'), to('amp/scaled:v1'), { ...open, treeLimits: { maxManifests: 6 } });
    await expect(count).rejects.toMatchObject({ limit: 'manifests' });
    expect(manifestGets()).toBe(2);
    await copyImage(from('amp/scaled:v1'), to('amp/scaled:v1'), { ...open, treeLimits: { maxManifests: 7, maxManifestBytes: 70_000 } });
  });
});
