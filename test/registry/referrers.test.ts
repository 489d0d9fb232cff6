// Referrers travel with the image, against real registries. Distribution 2.8 has no referrers
// API, so plain registries exercise the referrers tag schema on both sides; a small front adds
// the API (with Link paging and OCI-Subject) for the other path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anonymous } from '../../lambda/registry/credentials.js';
import { copyImage, type CopyOptions, type CopySummary } from '../../lambda/registry/copy.js';
import { MirrorError } from '../../lambda/errors.js';
import { parseReference } from '../../lambda/registry/reference.js';
import type { FaultProxy } from '../support/fault-proxy.js';
import { fetchManifest, manifestExists, pushManifest, pushMultiArchImage, pushRandomImage, type PushedImage } from '../support/images.js';
import {
  fetchReferrersIndex, listedDigests, pushArtifact, pushCosignAttachment, tagFor, type PushedReferrer, type Subject,
} from '../support/referrer-fixtures.js';
import { startReferrersFront, type ReferrersFront } from '../support/referrers-front.js';
import { proxiedRegistries } from '../support/proxied-registries.js';
import { FAST_RETRY } from './fast-retry.js';

const open: CopyOptions = { sourceCredentials: anonymous, destinationCredentials: anonymous, retry: FAST_RETRY };
const SPDX = 'application/spdx+json';
const OPENVEX = 'application/vnd.openvex+json';
const SIGNATURE = 'application/vnd.dev.cosign.artifact.sig.v1+json';

const registries = proxiedRegistries();

const ref = (registry: { host: string }, path: string) => parseReference(`${registry.host}/${path}`);
const subjectOf = (image: PushedImage | PushedReferrer): Subject =>
  'manifestBytes' in image ? { mediaType: image.mediaType, digest: image.digest, size: image.manifestBytes.length } : image;
const item = (summary: CopySummary, digest: string) => summary.referrers?.items.find((i) => i.digest === digest);

/** An image with what Root publishes beside one: cosign signature and attestation tags, an SBOM, a VEX document, a signature on the SBOM. */
async function signedImage(registryUrl: string, repo: string) {
  const image = await pushRandomImage(registryUrl, repo, 'v1');
  const sig = await pushCosignAttachment(registryUrl, repo, image.digest, 'sig');
  const att = await pushCosignAttachment(registryUrl, repo, image.digest, 'att');
  const sbom = await pushArtifact(registryUrl, repo, subjectOf(image), SPDX, Buffer.from(JSON.stringify({ spdxVersion: 'SPDX-2.3', name: repo })));
  const vex = await pushArtifact(registryUrl, repo, subjectOf(image), OPENVEX, Buffer.from(JSON.stringify({ '@context': 'https://openvex.dev/ns/v0.2.0', statements: [] })), {
    annotations: { 'dev.openvex.author': 'Root' },
  });
  const sbomSig = await pushArtifact(registryUrl, repo, sbom, SIGNATURE, Buffer.from('signature over the SBOM'));
  return { image, sig, att, sbom, vex, sbomSig };
}

describe('referrers between registries without the referrers API (tag schema on both sides)', () => {
  it('copies cosign tags, SBOM and VEX artifacts and a signature on the SBOM, with the same digests, and lists them at the destination', async () => {
    const { image, sig, att, sbom, vex, sbomSig } = await signedImage(registries.src.url, 'signed/app');
    const summary = await copyImage(ref(registries.src, 'signed/app:v1'), ref(registries.dst, 'mirror/signed/app:v1'), open);

    expect((await fetchManifest(registries.dst.url, 'mirror/signed/app', 'v1')).digest).toBe(image.digest);
    for (const referrer of [sig, att, sbom, vex, sbomSig]) {
      const copied = await fetchManifest(registries.dst.url, 'mirror/signed/app', referrer.tag ?? referrer.digest);
      expect(copied.digest).toBe(referrer.digest);
      expect(Buffer.from(copied.bytes).equals(referrer.bytes)).toBe(true);
    }
    expect(listedDigests(await fetchReferrersIndex(registries.dst.url, 'mirror/signed/app', image.digest))).toEqual([sbom.digest, vex.digest]);
    expect(listedDigests(await fetchReferrersIndex(registries.dst.url, 'mirror/signed/app', sbom.digest))).toEqual([sbomSig.digest]);
    // Nothing was left out or added, so the source's own index bytes were reused: same digest on both sides.
    expect((await fetchManifest(registries.dst.url, 'mirror/signed/app', tagFor(image.digest))).digest).toBe(
      (await fetchManifest(registries.src.url, 'signed/app', tagFor(image.digest))).digest,
    );

    expect(summary.referrers).toMatchObject({ copied: 5, present: 0, refused: 0, destinationIndex: 'tag-schema', indexesWritten: 2 });
    expect(item(summary, sig.digest)).toMatchObject({ via: 'cosign-tag', tag: sig.tag, depth: 1, outcome: 'copied' });
    expect(item(summary, att.digest)).toMatchObject({ via: 'cosign-tag', tag: att.tag, depth: 1, outcome: 'copied' });
    expect(item(summary, sbom.digest)).toMatchObject({ via: 'tag-schema', artifactType: SPDX, subject: image.digest, depth: 1, outcome: 'copied' });
    expect(item(summary, vex.digest)).toMatchObject({ via: 'tag-schema', artifactType: OPENVEX, depth: 1, outcome: 'copied' });
    expect(item(summary, sbomSig.digest)).toMatchObject({ via: 'tag-schema', artifactType: SIGNATURE, subject: sbom.digest, depth: 2, outcome: 'copied' });
  });

  it('moves no bytes the second time, and writes nothing', async () => {
    const { image } = await signedImage(registries.src.url, 'again/app');
    await copyImage(ref(registries.src, 'again/app:v1'), ref(registries.dstProxy, 'again/app:v1'), open);
    const before = registries.dstProxy.requests.length;

    const again = await copyImage(ref(registries.src, 'again/app:v1'), ref(registries.dstProxy, 'again/app:v1'), open);
    expect(again).toMatchObject({ digest: image.digest, upToDate: true, bytesCopied: 0 });
    expect(again.referrers).toMatchObject({ copied: 0, present: 5, refused: 0, bytesCopied: 0, indexesWritten: 0 });
    const writes = registries.dstProxy.requests.slice(before).filter((r) => r.method !== 'GET' && r.method !== 'HEAD');
    expect(writes).toEqual([]);
  });

  it('writes the image by digest before anything refers to it, and its tag last of all', async () => {
    const { image, sig, att, sbom, vex, sbomSig } = await signedImage(registries.src.url, 'order/app');
    const from = registries.dstProxy.requests.length;
    await copyImage(ref(registries.src, 'order/app:v1'), ref(registries.dstProxy, 'order/app:v1'), open);
    const puts = registries.dstProxy.requests.slice(from).filter((r) => r.method === 'PUT' && r.url.includes('/manifests/')).map((r) => r.url.split('/manifests/')[1]);
    expect(puts[0]).toBe(image.digest);
    expect(puts.at(-1)).toBe('v1');
    expect(puts.slice(1, -1).sort()).toEqual(
      [sig.tag, att.tag, sbom.digest, vex.digest, sbomSig.digest, tagFor(image.digest), tagFor(sbom.digest)].sort(),
    );
    // Each index is written after the referrers it lists.
    expect(puts.indexOf(tagFor(image.digest))).toBeGreaterThan(Math.max(puts.indexOf(sbom.digest), puts.indexOf(vex.digest)));
    expect(puts.indexOf(tagFor(sbom.digest))).toBeGreaterThan(puts.indexOf(sbomSig.digest));
  });

  it('merges into the index the destination already has and drops none of its entries', async () => {
    const image = await pushRandomImage(registries.src.url, 'merge/app', 'v1');
    const sbom = await pushArtifact(registries.src.url, 'merge/app', subjectOf(image), SPDX, Buffer.from('{"spdxVersion":"SPDX-2.3"}'));
    // The customer attached their own scan result to the same digest in their registry.
    const theirs = await pushArtifact(registries.dst.url, 'merge/app', subjectOf(image), 'application/sarif+json', Buffer.from('{"runs":[]}'));

    const summary = await copyImage(ref(registries.src, 'merge/app:v1'), ref(registries.dst, 'merge/app:v1'), open);
    expect(listedDigests(await fetchReferrersIndex(registries.dst.url, 'merge/app', image.digest))).toEqual([theirs.digest, sbom.digest]);
    expect(summary.referrers).toMatchObject({ copied: 1, indexesWritten: 1 });
    // Listed already: a later copy leaves the merged index as it is.
    const again = await copyImage(ref(registries.src, 'merge/app:v1'), ref(registries.dst, 'merge/app:v1'), open);
    expect(again.referrers).toMatchObject({ present: 1, indexesWritten: 0 });
  });

  it('copies the referrers of each platform manifest of a multi-arch index', async () => {
    const index = await pushMultiArchImage(registries.src.url, 'multi/signed', 'v1', { platforms: ['linux/amd64', 'linux/arm64/v8'] });
    const arm = index.children.find((c) => c.platform.architecture === 'arm64')!;
    const indexSig = await pushCosignAttachment(registries.src.url, 'multi/signed', index.digest, 'sig');
    const armSbom = await pushArtifact(registries.src.url, 'multi/signed', subjectOf(arm), SPDX, Buffer.from('{"name":"arm"}'));

    const summary = await copyImage(ref(registries.src, 'multi/signed:v1'), ref(registries.dst, 'multi/signed:v1'), open);
    expect(summary.referrers).toMatchObject({ copied: 2, refused: 0 });
    expect((await fetchManifest(registries.dst.url, 'multi/signed', indexSig.tag!)).digest).toBe(indexSig.digest);
    expect(listedDigests(await fetchReferrersIndex(registries.dst.url, 'multi/signed', arm.digest))).toEqual([armSbom.digest]);
  });

  it('uploads a blob that several referrers share once, however their copies interleave', async () => {
    // The SBOM and the VEX document share the empty config `{}`. Two uploads of one blob into one
    // repository race at distribution 2.8: a manifest push while the second commits is now and then
    // refused 400 MANIFEST_BLOB_UNKNOWN for a blob it already holds, and the referrer was reported refused.
    const { sbom, vex } = await signedImage(registries.src.url, 'shared/app');
    const empty = (JSON.parse(sbom.bytes.toString()) as { config: { digest: string } }).config.digest;
    expect((JSON.parse(vex.bytes.toString()) as { config: { digest: string } }).config.digest).toBe(empty);
    // A slow commit keeps the first upload of `{}` open while the other referrer's copy asks for it.
    const commitOfEmpty = new RegExp(`/blobs/uploads/.*digest=${empty.replace(':', '(:|%3A)')}`, 'i');
    registries.dstProxy.rules = [{ method: 'PUT', path: commitOfEmpty, delayMs: 300 }];
    const from = registries.dstProxy.requests.length;
    const summary = await copyImage(ref(registries.src, 'shared/app:v1'), ref(registries.dstProxy, 'shared/app:v1'), open);

    const commits = registries.dstProxy.requests.slice(from).filter((r) => r.method === 'PUT' && commitOfEmpty.test(r.url));
    expect(commits).toHaveLength(1);
    expect(summary.referrers).toMatchObject({ copied: 5, refused: 0 });
  });

  it('follows referrers of referrers to depth 3 and no further', async () => {
    const image = await pushRandomImage(registries.src.url, 'deep/app', 'v1');
    const chain: PushedReferrer[] = [];
    for (let i = 0; i < 4; i++) {
      chain.push(await pushArtifact(registries.src.url, 'deep/app', chain[i - 1] ?? subjectOf(image), SIGNATURE, Buffer.from(`level ${i + 1}`)));
    }
    const summary = await copyImage(ref(registries.src, 'deep/app:v1'), ref(registries.dst, 'deep/app:v1'), open);
    expect(summary.referrers?.items.map((i) => [i.digest, i.depth])).toEqual(chain.slice(0, 3).map((r, i) => [r.digest, i + 1]));
    expect(await manifestExists(registries.dst.url, 'deep/app', chain[3]!.digest)).toBe(false);
  });
});

describe('an image without referrers', () => {
  const failed = (proxy: FaultProxy, from: number) =>
    proxy.requests.slice(from).filter((r) => (r.status ?? 0) >= 400).map((r) => `${r.method} ${r.url} ${r.status}`);

  it('copies as before: the only failed requests are the five discovery calls at the source, none at the destination', async () => {
    const image = await pushRandomImage(registries.srcProxy.url, 'plain/app', 'v1');
    const [srcFrom, dstFrom] = [registries.srcProxy.requests.length, registries.dstProxy.requests.length];
    const summary = await copyImage(ref(registries.srcProxy, 'plain/app:v1'), ref(registries.dstProxy, 'plain/app:v1'), open);

    const tag = tagFor(image.digest);
    expect(failed(registries.srcProxy, srcFrom).sort()).toEqual(
      [
        `GET /v2/plain/app/referrers/${image.digest} 404`,
        `GET /v2/plain/app/manifests/${tag} 404`,
        `HEAD /v2/plain/app/manifests/${tag}.sig 404`,
        `HEAD /v2/plain/app/manifests/${tag}.att 404`,
        `HEAD /v2/plain/app/manifests/${tag}.sbom 404`,
      ].sort(),
    );
    expect(summary.referrers).toEqual({ copied: 0, present: 0, refused: 0, bytesCopied: 0, indexesWritten: 0, items: [] });
    const atDestination = failed(registries.dstProxy, dstFrom);

    // The destination sees exactly what a copy without referrers shows it: the HEADs of a tag and of blobs not there yet.
    await pushRandomImage(registries.srcProxy.url, 'plain/off', 'v1');
    const offFrom = registries.dstProxy.requests.length;
    await copyImage(ref(registries.srcProxy, 'plain/off:v1'), ref(registries.dstProxy, 'plain/off:v1'), { ...open, referrers: false });
    const shape = (lines: string[]) => lines.map((l) => l.replace(/sha256:[0-9a-f]{64}/, 'D').replace(/plain\/(app|off)/, 'R')).sort();
    expect(shape(atDestination)).toEqual(shape(failed(registries.dstProxy, offFrom)));
    expect(atDestination.filter((l) => l.includes('referrers') || l.includes('sha256-'))).toEqual([]);
  });

  it('asks the referrers API once per copy: 13 discovery calls for an index of two platforms', async () => {
    await pushMultiArchImage(registries.srcProxy.url, 'plain/multi', 'v1', { platforms: ['linux/amd64', 'linux/arm64/v8'] });
    const from = registries.srcProxy.requests.length;
    await copyImage(ref(registries.srcProxy, 'plain/multi:v1'), ref(registries.dst, 'plain/multi:v1'), open);
    const misses = failed(registries.srcProxy, from);
    expect(misses.filter((m) => m.includes('/referrers/'))).toHaveLength(1);
    expect(misses).toHaveLength(1 + 3 * 4);
  });

  it('makes no discovery call with referrers turned off', async () => {
    await pushRandomImage(registries.srcProxy.url, 'off/app', 'v1');
    const from = registries.srcProxy.requests.length;
    const summary = await copyImage(ref(registries.srcProxy, 'off/app:v1'), ref(registries.dst, 'off/app:v1'), { ...open, referrers: false });
    expect(summary.referrers).toBeUndefined();
    expect(registries.srcProxy.requests.slice(from).filter((r) => r.url.includes('/referrers/') || r.url.includes('sha256-'))).toEqual([]);
  });
});

describe('a referrer the destination refuses', () => {
  it('leaves the image mirrored and reports the refusal (ECR answers 405 for some)', async () => {
    const { image, sbom, vex, sbomSig, sig } = await signedImage(registries.src.url, 'refused/app');
    registries.dstProxy.rules = [
      {
        method: 'PUT',
        path: new RegExp(`/manifests/${sbom.digest}$`),
        status: 405,
        body: JSON.stringify({ errors: [{ code: 'UNSUPPORTED', message: 'Invalid parameter at subject' }] }),
      },
    ];
    const summary = await copyImage(ref(registries.src, 'refused/app:v1'), ref(registries.dstProxy, 'refused/app:v1'), open);

    expect((await fetchManifest(registries.dst.url, 'refused/app', 'v1')).digest).toBe(image.digest);
    expect(summary.referrers).toMatchObject({ copied: 3, refused: 1 });
    expect(item(summary, sbom.digest)).toMatchObject({ outcome: 'refused', code: 'UNSUPPORTED' });
    expect(item(summary, sbom.digest)?.reason).toMatch(/answered 405/);
    // Its own signature has nothing to refer to at the destination: not copied.
    expect(item(summary, sbomSig.digest)).toBeUndefined();
    expect(listedDigests(await fetchReferrersIndex(registries.dst.url, 'refused/app', image.digest))).toEqual([vex.digest]);
    expect((await fetchManifest(registries.dst.url, 'refused/app', sig.tag!)).digest).toBe(sig.digest);
  });

  it('mirrors a multi-arch index whose attestation (subject: the index) the destination answers 405', async () => {
    const index = await pushMultiArchImage(registries.src.url, 'refused/index', 'v1', { platforms: ['linux/amd64', 'linux/arm64/v8'] });
    const subject = { mediaType: index.mediaType, digest: index.digest, size: index.manifestBytes.length };
    const vex = await pushArtifact(registries.src.url, 'refused/index', subject, OPENVEX, Buffer.from('{"statements":[]}'));
    const sig = await pushCosignAttachment(registries.src.url, 'refused/index', index.digest, 'sig');
    registries.dstProxy.rules = [{ method: 'PUT', path: new RegExp(`/manifests/${vex.digest}$`), status: 405, body: '{"errors":[{"code":"UNSUPPORTED","message":"subject is an index"}]}' }];
    const summary = await copyImage(ref(registries.src, 'refused/index:v1'), ref(registries.dstProxy, 'refused/index:v1'), open);
    expect((await fetchManifest(registries.dst.url, 'refused/index', 'v1')).digest).toBe(index.digest);
    expect(summary.referrers).toMatchObject({ copied: 1, refused: 1 });
    expect(item(summary, vex.digest)).toMatchObject({ subject: index.digest, outcome: 'refused', code: 'UNSUPPORTED' });
    expect(item(summary, sig.digest)).toMatchObject({ outcome: 'copied' });
    // Nothing to list: the only referrer with a subject was refused.
    expect(await fetchReferrersIndex(registries.dst.url, 'refused/index', index.digest)).toBeUndefined();
  });

  it('moves a cosign tag on when the source has added a signature to it', async () => {
    const image = await pushRandomImage(registries.src.url, 'resigned/app', 'v1');
    const first = await pushCosignAttachment(registries.src.url, 'resigned/app', image.digest, 'sig');
    await copyImage(ref(registries.src, 'resigned/app:v1'), ref(registries.dst, 'resigned/app:v1'), open);
    // cosign appends a layer to the same tag's manifest for a second signature.
    const doc = JSON.parse(first.bytes.toString()) as { layers: Record<string, unknown>[] };
    const second = { ...doc.layers[0]!, annotations: { 'dev.cosignproject.cosign/signature': 'c2Vjb25k' } };
    const bytes = Buffer.from(JSON.stringify({ ...doc, layers: [...doc.layers, second] }));
    const resigned = await pushManifest(registries.src.url, 'resigned/app', first.tag!, bytes, first.mediaType);

    const summary = await copyImage(ref(registries.src, 'resigned/app:v1'), ref(registries.dst, 'resigned/app:v1'), open);
    expect(item(summary, resigned)).toMatchObject({ tag: first.tag, outcome: 'copied' });
    expect((await fetchManifest(registries.dst.url, 'resigned/app', first.tag!)).digest).toBe(resigned);
  });

  it('keeps the destination\'s cosign tag when it holds signatures the source lacks', async () => {
    const image = await pushRandomImage(registries.src.url, 'countersigned/app', 'v1');
    const ours = await pushCosignAttachment(registries.src.url, 'countersigned/app', image.digest, 'sig');
    const theirs = await pushCosignAttachment(registries.dst.url, 'countersigned/app', image.digest, 'sig');
    const summary = await copyImage(ref(registries.src, 'countersigned/app:v1'), ref(registries.dst, 'countersigned/app:v1'), open);
    expect(item(summary, ours.digest)).toMatchObject({ outcome: 'refused', code: 'COSIGN_TAG_DIVERGED' });
    expect((await fetchManifest(registries.dst.url, 'countersigned/app', theirs.tag!)).digest).toBe(theirs.digest);
    expect((await fetchManifest(registries.dst.url, 'countersigned/app', 'v1')).digest).toBe(image.digest);
  });
});

describe('a source that will not list referrers', () => {
  it('mirrors the image and reports the manifest whose referrers it could not read', async () => {
    const image = await pushRandomImage(registries.srcProxy.url, 'garbled/app', 'v1');
    registries.srcProxy.rules = [{ method: 'GET', path: /\/referrers\//, status: 200, body: '<html>not an index</html>' }];
    const summary = await copyImage(ref(registries.srcProxy, 'garbled/app:v1'), ref(registries.dst, 'garbled/app:v1'), open);
    expect((await fetchManifest(registries.dst.url, 'garbled/app', 'v1')).digest).toBe(image.digest);
    expect(summary.referrers?.unlisted).toEqual([
      { subject: image.digest, depth: 1, code: 'MANIFEST_INVALID', reason: expect.stringMatching(/not valid JSON/) as unknown as string },
    ]);
  });
});

describe('transient failures while copying referrers', () => {
  it('retries them like any other request', async () => {
    const { vex } = await signedImage(registries.src.url, 'flaky/app');
    const rule = { method: 'PUT', path: new RegExp(`/manifests/${vex.digest}$`), status: 503, times: 2 };
    registries.dstProxy.rules = [rule];
    const summary = await copyImage(ref(registries.src, 'flaky/app:v1'), ref(registries.dstProxy, 'flaky/app:v1'), open);
    expect(registries.dstProxy.fired(rule)).toBe(2);
    expect(summary.referrers).toMatchObject({ copied: 5, refused: 0 });
  });

  it('fail the copy when they persist, and the destination tag never moves without its referrers', async () => {
    const { vex } = await signedImage(registries.src.url, 'down/app');
    registries.dstProxy.rules = [{ method: 'PUT', path: new RegExp(`/manifests/${vex.digest}$`), status: 503 }];
    const attempt = copyImage(ref(registries.src, 'down/app:v1'), ref(registries.dstProxy, 'down/app:v1'), open);
    await expect(attempt).rejects.toSatisfy((error: unknown) => error instanceof MirrorError && error.failureClass === 'transient');
    expect(await manifestExists(registries.dst.url, 'down/app', 'v1')).toBe(false);
  });
});

describe('registries with the referrers API', () => {
  let srcFront: ReferrersFront;
  let dstFront: ReferrersFront;

  beforeAll(async () => {
    // One descriptor a page: a copy must follow the Link headers to find them all.
    [srcFront, dstFront] = await Promise.all([startReferrersFront(registries.src.url, { pageSize: 1 }), startReferrersFront(registries.dst.url)]);
  });
  afterAll(async () => {
    await Promise.all([srcFront?.stop(), dstFront?.stop()]);
  });

  async function apiImage(repo: string) {
    const image = await pushRandomImage(srcFront.url, repo, 'v1');
    const sbom = await pushArtifact(srcFront.url, repo, subjectOf(image), SPDX, Buffer.from('{"spdxVersion":"SPDX-2.3"}'), { tagSchema: false });
    const vex = await pushArtifact(srcFront.url, repo, subjectOf(image), OPENVEX, Buffer.from('{"statements":[]}'), {
      tagSchema: false,
      annotations: { 'dev.openvex.author': 'Root' },
    });
    const sig = await pushCosignAttachment(srcFront.url, repo, image.digest, 'sig');
    return { image, sbom, vex, sig };
  }

  it('pages through the source\'s referrers API and relies on the destination\'s: no tag schema index on either side', async () => {
    const { image, sbom, vex, sig } = await apiImage('api/app');
    const from = srcFront.requests.length;
    const summary = await copyImage(ref(srcFront, 'api/app:v1'), ref(dstFront, 'api/app:v1'), open);

    const seen = srcFront.requests.slice(from).map((r) => `${r.method} ${r.url}`);
    expect(seen).toContain(`GET /v2/api/app/referrers/${image.digest}?page=1`);
    expect(seen).not.toContain(`GET /v2/api/app/manifests/${tagFor(image.digest)}`);
    expect(summary.referrers).toMatchObject({ copied: 3, refused: 0, destinationIndex: 'referrers-api', indexesWritten: 0 });
    expect(item(summary, sbom.digest)).toMatchObject({ via: 'referrers-api', artifactType: SPDX });
    expect(dstFront.referrers('api/app', image.digest).map((d) => d.digest).sort()).toEqual([sbom.digest, vex.digest].sort());
    expect(await fetchReferrersIndex(registries.dst.url, 'api/app', image.digest)).toBeUndefined();
    expect((await fetchManifest(registries.dst.url, 'api/app', sig.tag!)).digest).toBe(sig.digest);

    // Nothing pushed the second time: one look at the destination's referrers API says it lists them itself.
    const again = await copyImage(ref(srcFront, 'api/app:v1'), ref(dstFront, 'api/app:v1'), open);
    expect(again.referrers).toMatchObject({ copied: 0, present: 3, destinationIndex: 'referrers-api', indexesWritten: 0 });
  });

  it('builds the destination\'s tag schema index from the referrer manifests when only the source has the API', async () => {
    const { image, sbom, vex } = await apiImage('api/to-plain');
    const summary = await copyImage(ref(srcFront, 'api/to-plain:v1'), ref(registries.dst, 'api/to-plain:v1'), open);
    expect(summary.referrers).toMatchObject({ copied: 3, destinationIndex: 'tag-schema', indexesWritten: 1 });
    const index = await fetchReferrersIndex(registries.dst.url, 'api/to-plain', image.digest);
    expect(index?.manifests).toEqual([
      { mediaType: sbom.mediaType, digest: sbom.digest, size: sbom.size, artifactType: SPDX, annotations: { 'org.opencontainers.image.created': new Date(0).toISOString() } },
      {
        mediaType: vex.mediaType,
        digest: vex.digest,
        size: vex.size,
        artifactType: OPENVEX,
        annotations: { 'org.opencontainers.image.created': new Date(0).toISOString(), 'dev.openvex.author': 'Root' },
      },
    ]);
  });
});
