// The worker copies an image's signatures and SBOMs with it, says so in its log line and
// metrics, and mirrors the image even when the destination refuses one of them.
import { describe, expect, it } from 'vitest';
import { pushArtifact, pushCosignAttachment, fetchReferrersIndex, listedDigests } from '../support/referrer-fixtures.js';
import { fetchManifest, manifestExists } from '../support/images.js';
import { metricValues } from '../support/output.js';
import { BASE, ECR_AUTH, ROOT_AUTH, createWorker, enqueue, jobFor, mirroredDigest, pushSource, seedBase, useWorld } from './fixtures.js';

const world = useWorld();
const SPDX = 'application/spdx+json';

async function signedSource(repo: string) {
  const image = await pushSource(world, repo, 'v1');
  const sig = await pushCosignAttachment(world.src.url, repo, image.digest, 'sig', ROOT_AUTH);
  const subject = { mediaType: image.mediaType, digest: image.digest, size: image.manifestBytes.length };
  const sbom = await pushArtifact(world.src.url, repo, subject, SPDX, Buffer.from('{"spdxVersion":"SPDX-2.3"}'), { auth: ROOT_AUTH });
  return { image, sig, sbom };
}

const mirroredLine = () => world.output.logsAt('INFO').find((l) => l.message === 'image mirrored');

describe('worker: referrers', () => {
  it('copies the signature and SBOM with the image, and counts them in its log line and metrics', async () => {
    seedBase(world);
    const { image, sig, sbom } = await signedSource('library/signed');
    await enqueue(world, jobFor(world, 'library/signed', 'v1'));

    await world.sqs.deliver(createWorker(world));

    expect(await mirroredDigest(world, 'library/signed', 'v1')).toBe(image.digest);
    expect((await fetchManifest(world.dst.url, `${BASE}/library/signed`, sig.tag!, ECR_AUTH)).digest).toBe(sig.digest);
    expect(listedDigests(await fetchReferrersIndex(world.dst.url, `${BASE}/library/signed`, image.digest, ECR_AUTH))).toEqual([sbom.digest]);
    expect(mirroredLine()).toMatchObject({ digest: image.digest, referrers_copied: 2, referrers_present: 0, referrers_refused: 0 });
    expect(metricValues(world.output.emf(), 'ReferrersCopied')).toEqual([2]);
    expect(metricValues(world.output.emf(), 'ReferrersRefused')).toEqual([0]);
  });

  it('mirrors the image when the destination refuses a referrer, and logs and counts the refusal', async () => {
    seedBase(world);
    const { image, sbom } = await signedSource('library/refused');
    world.dstProxy.rules = [{ method: 'PUT', path: new RegExp(`/manifests/${sbom.digest}$`), status: 405, body: '{"errors":[{"code":"UNSUPPORTED","message":"subject"}]}' }];
    await enqueue(world, jobFor(world, 'library/refused', 'v1'));

    await world.sqs.deliver(createWorker(world));

    expect(await mirroredDigest(world, 'library/refused', 'v1')).toBe(image.digest);
    expect(world.sqs.deadLettered()).toEqual([]);
    expect(mirroredLine()).toMatchObject({ referrers_copied: 1, referrers_refused: 1 });
    expect(world.output.logsAt('WARN').find((l) => l.message.startsWith('a referrer of the image was not copied'))).toMatchObject({
      digest: image.digest,
      referrer: sbom.digest,
      subject: image.digest,
      artifact_type: SPDX,
      code: 'UNSUPPORTED',
    });
    expect(metricValues(world.output.emf(), 'ReferrersRefused')).toEqual([1]);
  });

  it('copies the image alone when referrers are turned off', async () => {
    seedBase(world);
    const { image, sig } = await signedSource('library/alone');
    await enqueue(world, jobFor(world, 'library/alone', 'v1'));

    await world.sqs.deliver(createWorker(world, { copyReferrers: false }));

    expect(await mirroredDigest(world, 'library/alone', 'v1')).toBe(image.digest);
    expect(await manifestExists(world.dst.url, `${BASE}/library/alone`, sig.tag!, ECR_AUTH)).toBe(false);
    expect(mirroredLine()).not.toHaveProperty('referrers_copied');
    expect(metricValues(world.output.emf(), 'ReferrersCopied')).toEqual([]);
  });
});
