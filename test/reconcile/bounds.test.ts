// The reconcile's HEADs are bounded: at most --concurrency (default 8) in flight at Root at once.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { pushManifest } from '../support/images.js';
import { ROOT_AUTH, pushSource, seedBase, useWorld } from '../worker/fixtures.js';
import { coldStart, invokeReconcile } from './fixtures.js';

const world = useWorld();

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('reconcile concurrency', () => {
  it('keeps at most 8 manifest HEADs in flight at Root, and more than one', async () => {
    seedBase(world);
    const image = await pushSource(world, 'bounded/app', 't0');
    for (let i = 1; i < 40; i++) await pushManifest(world.src.url, 'bounded/app', `t${i}`, image.manifestBytes, image.mediaType, ROOT_AUTH);
    world.srcProxy.rules = [{ method: 'HEAD', path: /\/manifests\//, delayMs: 40 }];
    const handler = await coldStart(world, { ALLOWED_REPOS: 'bounded/app' });

    let most = 0;
    const sampler = setInterval(() => {
      const inFlight = world.srcProxy.requests.filter((r) => r.method === 'HEAD' && r.status === undefined).length;
      most = Math.max(most, inFlight);
    }, 2);
    const summary = await invokeReconcile(handler, { dryRun: true }).finally(() => clearInterval(sampler));

    expect(summary).toMatchObject({ ok: true, checked: 40 });
    expect(most).toBeLessThanOrEqual(8);
    expect(most).toBeGreaterThan(1);
  });
});
