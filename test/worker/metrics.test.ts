// The EMF metrics the function prints, as CloudWatch would read them from the log.
import { describe, expect, it } from 'vitest';
import { SecretCache } from '../../lambda/config/secret-cache.js';
import { createFunctionUrlHandler } from '../../lambda/handlers/function-url.js';
import { logger } from '../../lambda/log.js';
import { parseAllowedRepos } from '../../lambda/webhook/allowed-repos.js';
import { SECRET, signedRequest } from '../intake/signed-request.js';
import { pushManifest } from '../support/images.js';
import { ROOT_AUTH, createWorker, enqueue, jobFor, pushSource, seedBase, useWorld } from './fixtures.js';
import { metricValues } from '../support/output.js';

const world = useWorld();

describe('metrics', () => {
  it('counts mirrored images, bytes, blobs and duration, and failures by class, in the RootEcrMirror namespace', async () => {
    seedBase(world);
    const image = await pushSource(world, 'library/nginx', '1.25-root', { layers: [1000, 2000, 3000] });
    await pushSource(world, 'flaky', 'v1');
    world.srcProxy.rules = [{ method: 'GET', path: /\/v2\/flaky\/manifests\//, status: 503 }];
    await enqueue(world, jobFor(world, 'library/nginx', '1.25-root'), jobFor(world, 'missing', 'v1'), jobFor(world, 'flaky', 'v1'));

    await world.sqs.deliver(createWorker(world));

    const emf = world.output.emf();
    expect(emf.length).toBeGreaterThan(0);
    for (const doc of emf) expect(doc._aws.CloudWatchMetrics[0]?.Namespace).toBe('RootEcrMirror');
    expect(metricValues(emf, 'ImagesMirrored')).toEqual([1]);
    expect(metricValues(emf, 'BytesCopied')).toEqual([image.totalBytes]);
    expect(metricValues(emf, 'BlobsCopied')).toEqual([image.blobs.size]);
    expect(metricValues(emf, 'BlobsSkipped')).toEqual([0]);
    expect(metricValues(emf, 'MirrorDurationMs')[0]).toBeGreaterThan(0);
    expect(metricValues(emf, 'MirrorFailures', { class: 'permanent' })).toEqual([1]);
    expect(metricValues(emf, 'MirrorFailures', { class: 'transient' })).toEqual([1]);
    const units = Object.fromEntries(emf.flatMap((d) => d._aws.CloudWatchMetrics.flatMap((m) => m.Metrics.map((x) => [x.Name, x.Unit]))));
    expect(units).toMatchObject({ ImagesMirrored: 'Count', BytesCopied: 'Bytes', BlobsCopied: 'Count', MirrorDurationMs: 'Milliseconds', MirrorFailures: 'Count' });
  });

  it('counts skipped blobs when the destination already has them', async () => {
    seedBase(world);
    const image = await pushSource(world, 'base-image', 'v1');
    await enqueue(world, jobFor(world, 'base-image', 'v1'));
    const worker = createWorker(world);
    await world.sqs.deliver(worker);
    world.output.clear();
    // The same image under another tag: every blob is there already.
    await pushManifest(world.src.url, 'base-image', 'copy', image.manifestBytes, image.mediaType, ROOT_AUTH);
    await enqueue(world, jobFor(world, 'base-image', 'copy'));

    await world.sqs.deliver(worker);

    expect(metricValues(world.output.emf(), 'BlobsSkipped')).toEqual([3]);
    expect(metricValues(world.output.emf(), 'BlobsCopied')).toEqual([0]);
  });

  it('prints only the failure counts, without complaint, when every job of a batch failed', async () => {
    seedBase(world);
    await enqueue(world, jobFor(world, 'missing', 'v1'));

    await world.sqs.deliver(createWorker(world));

    expect(metricValues(world.output.emf(), 'MirrorFailures', { class: 'permanent' })).toEqual([1]);
    expect(world.output.lines().filter((l) => /No application metrics/.test(l))).toEqual([]);
  });

  it('counts refused webhooks by reason', async () => {
    const intake = createFunctionUrlHandler({
      config: { rootRegistryHost: 'cr.root.io', dstRepo: 'root-mirror', allowedRepos: parseAllowedRepos('') },
      webhookSecret: new SecretCache({ kind: 'value', value: SECRET }),
      dispatch: { mode: 'queued', enqueue: async () => undefined },
    });

    const refused = await intake(signedRequest({ secret: `whsec_${Buffer.from('another-secret').toString('base64')}` }));

    expect(refused.statusCode).toBe(401);
    expect(metricValues(world.output.emf(), 'WebhooksRejected', { reason: 'signature' })).toEqual([1]);
  });
  it('logs each registry retry at DEBUG with host, status, attempt and delay, and counts it by registry', async () => {
    seedBase(world);
    await pushSource(world, 'retried', 'v1');
    world.srcProxy.rules = [{ method: 'GET', path: /\/v2\/retried\/manifests\/v1$/, status: 503, times: 2 }];
    await enqueue(world, jobFor(world, 'retried', 'v1'));
    const level = logger.getLevelName();
    logger.setLogLevel('DEBUG');
    try {
      const { failed } = await world.sqs.deliver(createWorker(world));
      expect(failed).toEqual([]);
    } finally {
      logger.setLogLevel(level);
    }

    const retries = world.output.logsAt('DEBUG').filter((l) => l.message === 'registry request failed; retrying');
    expect(retries.map((l) => [l.host, l.status, l.attempt])).toEqual([
      [world.srcProxy.host, 503, 1],
      [world.srcProxy.host, 503, 2],
    ]);
    for (const line of retries) {
      expect(line).toMatchObject({ code: 'UNAVAILABLE', image: `${world.srcProxy.host}/retried:v1` });
      expect(typeof line.delay_ms).toBe('number');
    }
    expect(metricValues(world.output.emf(), 'RegistryRetries', { registry: world.srcProxy.host })).toEqual([1, 1]);
  });
});
