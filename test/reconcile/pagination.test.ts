// Root's tag lists come in pages: the reconcile follows `Link` headers and, without them,
// `n`/`last`, so a repository with more tags than a page is reconciled whole.
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { pushManifest } from '../support/images.js';
import { startPagingProxy, type PagingProxy } from '../support/paging-proxy.js';
import { ROOT_AUTH, pushSource, seedBase, useWorld } from '../worker/fixtures.js';
import { coldStart, invokeReconcile, mirrorBeforehand } from './fixtures.js';

const world = useWorld();
const TAGS = Array.from({ length: 25 }, (_, i) => `1.${String(i).padStart(2, '0')}`);
const proxies: PagingProxy[] = [];

afterEach(() => {
  vi.unstubAllEnvs();
});
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.stop()));
});

const repo = 'paged/app';
let pushed: Promise<string> | undefined;

/** Root's 25 tags of one image, pushed once for both cases. */
function pushTags(): Promise<string> {
  pushed ??= (async () => {
    const image = await pushSource(world, repo, TAGS[0]!);
    for (const tag of TAGS.slice(1)) await pushManifest(world.src.url, repo, tag, image.manifestBytes, image.mediaType, ROOT_AUTH);
    return image.digest;
  })();
  return pushed;
}

describe.each([
  ['Link headers', true],
  ['n and last only', false],
])('a tag list paged with %s', (_, link) => {
  it('reconciles every tag of a repository with more tags than one page', async () => {
    const digest = await pushTags();
    const paging = await startPagingProxy(world.src.url, { maxPage: 10, link });
    proxies.push(paging);
    seedBase(world);
    await mirrorBeforehand(world, repo, '1.03');
    const handler = await coldStart(world, { ROOT_REGISTRY_HOST: paging.host, ALLOWED_REPOS: repo });

    const summary = await invokeReconcile(handler, { dryRun: true });

    expect(summary.error).toBeUndefined();
    expect(summary).toMatchObject({ ok: true, checked: 25, inSync: 1 });
    expect(summary.plan.map((p) => p.tag)).toEqual(TAGS.filter((t) => t !== '1.03'));
    expect(new Set(summary.plan.map((p) => p.digest))).toEqual(new Set([digest]));
    // Three pages of at most 10; without Link headers the empty fourth says it is over.
    expect(paging.tagListRequests).toHaveLength(link ? 3 : 4);
    // At most two source requests per tag in all.
    expect(paging.requests.length / 25).toBeLessThanOrEqual(2);
  });
});
