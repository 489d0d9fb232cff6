// The copy engine against real registries (CNCF distribution 2.8): formats, platforms, pinning, idempotency, mounts.
import { getEventListeners } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anonymous } from '../../lambda/registry/credentials.js';
import { copyImage, type CopyOptions } from '../../lambda/registry/copy.js';
import { PlatformNotFoundError } from '../../lambda/registry/errors.js';
import { parseReference } from '../../lambda/registry/reference.js';
import { blobExists, fetchManifest, pushBlob, pushManifest, pushMultiArchImage, pushRandomImage } from '../support/images.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { FAST_RETRY } from './fast-retry.js';

const open: CopyOptions = { sourceCredentials: anonymous, destinationCredentials: anonymous, retry: FAST_RETRY };

let src: TestRegistry;
let dst: TestRegistry;
let srcProxy: FaultProxy;

beforeAll(async () => {
  [src, dst] = await Promise.all([startRegistry(), startRegistry()]);
  srcProxy = await startFaultProxy(src.url);
});

afterAll(async () => {
  await Promise.all([srcProxy?.stop(), src?.stop(), dst?.stop()]);
});

const ref = (registry: TestRegistry | FaultProxy, path: string) => parseReference(`${registry.host}/${path}`);

describe('copyImage between two registries', () => {
  it('copies an OCI image byte for byte', async () => {
    const image = await pushRandomImage(src.url, 'oci/app', 'v1', { format: 'oci', layers: [1000, 200_000, 3] });
    const summary = await copyImage(ref(src, 'oci/app:v1'), ref(dst, 'mirror/oci/app:v1'), open);

    const copied = await fetchManifest(dst.url, 'mirror/oci/app', 'v1');
    expect(copied.digest).toBe(image.digest);
    expect(Buffer.from(copied.bytes).equals(Buffer.from(image.manifestBytes))).toBe(true);
    expect(copied.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    for (const digest of [image.configDigest, ...image.layerDigests]) {
      expect(await blobExists(dst.url, 'mirror/oci/app', digest)).toBe(true);
    }
    expect(summary).toMatchObject({
      digest: image.digest,
      upToDate: false,
      blobsCopied: 4,
      blobsSkipped: 0,
      blobsMounted: 0,
      bytesCopied: image.totalBytes,
      manifests: 1,
    });
  });

  it('copies a Docker schema 2 image with its media type', async () => {
    const image = await pushRandomImage(src.url, 'docker/app', 'v2', { format: 'docker' });
    await copyImage(ref(src, 'docker/app:v2'), ref(dst, 'docker/app:v2'), open);
    const copied = await fetchManifest(dst.url, 'docker/app', 'v2');
    expect(copied.digest).toBe(image.digest);
    expect(copied.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
  });

  it.each(['oci', 'docker'] as const)('copies a whole %s multi-arch index with the same digest', async (format) => {
    const index = await pushMultiArchImage(src.url, `multi/${format}`, 'latest', {
      platforms: ['linux/amd64', 'linux/arm64/v8', 'linux/arm/v7'],
      format,
    });
    const summary = await copyImage(ref(src, `multi/${format}:latest`), ref(dst, `multi/${format}:latest`), open);

    expect((await fetchManifest(dst.url, `multi/${format}`, 'latest')).digest).toBe(index.digest);
    for (const child of index.children) {
      expect((await fetchManifest(dst.url, `multi/${format}`, child.digest)).digest).toBe(child.digest);
      for (const layer of child.layerDigests) expect(await blobExists(dst.url, `multi/${format}`, layer)).toBe(true);
    }
    expect(summary.manifests).toBe(4);
    expect(summary.digest).toBe(index.digest);
  });

  it('copies only the platform asked for and points the tag at it', async () => {
    const index = await pushMultiArchImage(src.url, 'multi/pick', 'latest', { platforms: ['linux/amd64', 'linux/arm64/v8'] });
    const arm = index.children.find((c) => c.platform.architecture === 'arm64')!;
    const amd = index.children.find((c) => c.platform.architecture === 'amd64')!;
    const summary = await copyImage(ref(src, 'multi/pick:latest'), ref(dst, 'pick/arm:latest'), { ...open, platform: 'linux/arm64/v8' });

    expect(summary).toMatchObject({ digest: arm.digest, platform: 'linux/arm64/v8', manifests: 1 });
    expect((await fetchManifest(dst.url, 'pick/arm', 'latest')).digest).toBe(arm.digest);
    expect(await blobExists(dst.url, 'pick/arm', amd.layerDigests[0]!)).toBe(false);
  });

  it('names the platforms present when the one asked for is missing', async () => {
    await pushMultiArchImage(src.url, 'multi/missing', 'latest', { platforms: ['linux/amd64', 'linux/arm64/v8'] });
    const attempt = copyImage(ref(src, 'multi/missing:latest'), ref(dst, 'missing:latest'), { ...open, platform: 'linux/s390x' });
    await expect(attempt).rejects.toThrow(PlatformNotFoundError);
    await expect(attempt).rejects.toThrow(/no linux\/s390x image; platforms present: linux\/amd64, linux\/arm64\/v8/);
  });

  it('checks a single image platform against its config', async () => {
    const image = await pushRandomImage(src.url, 'single/plat', 'v1', { platform: { os: 'linux', architecture: 'arm64' } });
    const summary = await copyImage(ref(src, 'single/plat:v1'), ref(dst, 'single/plat:v1'), { ...open, platform: 'linux/arm64/v8' });
    expect(summary.digest).toBe(image.digest);
    await expect(copyImage(ref(src, 'single/plat:v1'), ref(dst, 'single/plat:v2'), { ...open, platform: 'linux/amd64' })).rejects.toThrow(
      /platforms present: linux\/arm64/,
    );
  });

  it('copies the pinned digest even after the tag has moved', async () => {
    const first = await pushRandomImage(src.url, 'pinned/app', 'stable');
    const second = await pushRandomImage(src.url, 'pinned/app', 'stable');
    expect(second.digest).not.toBe(first.digest);

    await copyImage(ref(src, `pinned/app:stable@${first.digest}`), ref(dst, 'pinned/app:stable'), open);
    expect((await fetchManifest(dst.url, 'pinned/app', 'stable')).digest).toBe(first.digest);
    await copyImage(ref(src, `pinned/app@${second.digest}`), ref(dst, 'pinned/app:by-digest'), open);
    expect((await fetchManifest(dst.url, 'pinned/app', 'by-digest')).digest).toBe(second.digest);
  });

  it('leaves the destination tag alone for a pinned digest whose source tag has moved on, when asked', async () => {
    const older = await pushRandomImage(src.url, 'moved/app', 'v1');
    const newer = await pushRandomImage(src.url, 'moved/app', 'v1');
    await copyImage(ref(src, `moved/app:v1@${newer.digest}`), ref(dst, 'moved/app:v1'), { ...open, tagOnlyIfSourceTagCurrent: true });

    const late = await copyImage(ref(src, `moved/app:v1@${older.digest}`), ref(dst, 'moved/app:v1'), { ...open, tagOnlyIfSourceTagCurrent: true });
    expect(late).toMatchObject({ digest: older.digest, tagged: false, upToDate: false });
    expect(late.destination).toBe(`${dst.host}/moved/app@${older.digest}`);
    expect((await fetchManifest(dst.url, 'moved/app', 'v1')).digest).toBe(newer.digest);
    expect((await fetchManifest(dst.url, 'moved/app', older.digest)).digest).toBe(older.digest);

    // Without the option a pinned copy is what the caller asked for: the tag moves.
    await copyImage(ref(src, `moved/app:v1@${older.digest}`), ref(dst, 'moved/app:v1'), open);
    expect((await fetchManifest(dst.url, 'moved/app', 'v1')).digest).toBe(older.digest);
  });

  it('leaves no listener on the caller\'s abort signal once done, however many requests it made', async () => {
    await pushRandomImage(src.url, 'listeners/app', 'v1', { layers: [1_000, 2_000, 3_000, 4_000, 5_000, 6_000] });
    const controller = new AbortController();
    await copyImage(ref(src, 'listeners/app:v1'), ref(dst, 'listeners/app:v1'), { ...open, signal: controller.signal, concurrency: 6 });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('counts a pinned platform manifest as current while the multi-arch tag still lists it', async () => {
    const index = await pushMultiArchImage(src.url, 'pinned/multi', 'v1', { platforms: ['linux/amd64', 'linux/arm64/v8'] });
    const amd = index.children.find((c) => c.platform.architecture === 'amd64')!;
    const summary = await copyImage(ref(src, `pinned/multi:v1@${amd.digest}`), ref(dst, 'pinned/multi:v1'), {
      ...open,
      platform: 'linux/amd64',
      tagOnlyIfSourceTagCurrent: true,
    });
    expect(summary).toMatchObject({ digest: amd.digest, tagged: true });
    expect((await fetchManifest(dst.url, 'pinned/multi', 'v1')).digest).toBe(amd.digest);
  });

  it('copies the whole index the source tag names for a pinned platform manifest when no platform is asked for', async () => {
    const index = await pushMultiArchImage(src.url, 'pinned/whole', 'v1', { platforms: ['linux/amd64', 'linux/arm64/v8'] });
    const arm = index.children.find((c) => c.platform.architecture === 'arm64')!;
    const summary = await copyImage(ref(src, `pinned/whole:v1@${arm.digest}`), ref(dst, 'pinned/whole:v1'), { ...open, tagOnlyIfSourceTagCurrent: true });
    expect(summary).toMatchObject({ digest: index.digest, tagged: true, manifests: 3 });
    expect((await fetchManifest(dst.url, 'pinned/whole', 'v1')).digest).toBe(index.digest);
  });

  it('reads and writes no blob the second time', async () => {
    const dstProxy = await startFaultProxy(dst.url);
    try {
      const image = await pushRandomImage(srcProxy.url, 'idem/app', 'v1', { layers: [50_000, 60_000] });
      await copyImage(ref(srcProxy, 'idem/app:v1'), ref(dstProxy, 'idem/app:v1'), open);
      const [srcBefore, dstBefore] = [srcProxy.requests.length, dstProxy.requests.length];

      const again = await copyImage(ref(srcProxy, 'idem/app:v1'), ref(dstProxy, 'idem/app:v1'), open);
      expect(again).toMatchObject({ digest: image.digest, upToDate: true, blobsCopied: 0, bytesCopied: 0 });
      expect(srcProxy.requests.slice(srcBefore).filter((r) => r.url.includes('/blobs/'))).toEqual([]);
      // The destination saw its auth ping and one HEAD of the tag: no blob checked, no write.
      expect(dstProxy.requests.slice(dstBefore).map((r) => `${r.method} ${r.url}`)).toEqual(['GET /v2/', 'HEAD /v2/idem/app/manifests/v1']);
    } finally {
      await dstProxy.stop();
    }
  });

  it('skips blobs the destination already holds when another tag shares them', async () => {
    const index = await pushMultiArchImage(src.url, 'shared/app', 'a', { platforms: ['linux/amd64'] });
    await copyImage(ref(src, 'shared/app:a'), ref(dst, 'shared/app:a'), open);
    const child = index.children[0]!;
    // The child alone under a new tag: every blob is already in the destination repository.
    await copyImage(ref(src, `shared/app@${child.digest}`), ref(dst, 'shared/app:single'), open).then((summary) => {
      expect(summary).toMatchObject({ blobsCopied: 0, blobsSkipped: child.layerDigests.length + 1, bytesCopied: 0 });
    });
  });

  it('copies an OCI artifact manifest (artifactType, empty config, subject) byte for byte', async () => {
    const image = await pushRandomImage(src.url, 'artifact/app', 'v1');
    const empty = Buffer.from('{}');
    const sbom = Buffer.from(JSON.stringify({ spdxVersion: 'SPDX-2.3', name: 'app' }));
    const [emptyDigest, sbomDigest] = [await pushBlob(src.url, 'artifact/app', empty), await pushBlob(src.url, 'artifact/app', sbom)];
    const artifact = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        artifactType: 'application/spdx+json',
        config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: emptyDigest, size: empty.length },
        layers: [{ mediaType: 'application/spdx+json', digest: sbomDigest, size: sbom.length }],
        subject: { mediaType: image.mediaType, digest: image.digest, size: image.manifestBytes.length },
      }),
    );
    const digest = await pushManifest(src.url, 'artifact/app', 'sbom', artifact, 'application/vnd.oci.image.manifest.v1+json');

    const summary = await copyImage(ref(src, 'artifact/app:sbom'), ref(dst, 'artifact/app:sbom'), open);
    expect(summary).toMatchObject({ digest, blobsCopied: 2 });
    const copied = await fetchManifest(dst.url, 'artifact/app', 'sbom');
    expect(Buffer.from(copied.bytes).equals(artifact)).toBe(true);
  });

  it('mounts blobs across repositories of the same registry instead of copying them', async () => {
    const image = await pushRandomImage(dst.url, 'mount/base', 'v1', { layers: [10_000, 20_000] });
    const summary = await copyImage(ref(dst, 'mount/base:v1'), ref(dst, 'mount/other:v1'), open);
    expect(summary).toMatchObject({ digest: image.digest, blobsMounted: 3, blobsCopied: 0, bytesCopied: 0 });
    expect((await fetchManifest(dst.url, 'mount/other', 'v1')).digest).toBe(image.digest);
  });
});
