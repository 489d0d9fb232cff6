// Retries happen at one level per operation, and every retry is reported.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RegistryClient, type RegistryRetry } from '../../lambda/registry/client.js';
import { anonymous } from '../../lambda/registry/credentials.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { pushRandomImage, type PushedImage } from '../support/images.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { FAST_RETRY } from './fast-retry.js';

let registry: TestRegistry;
let proxy: FaultProxy;
let image: PushedImage;

beforeAll(async () => {
  registry = await startRegistry();
  proxy = await startFaultProxy(registry.url);
  image = await pushRandomImage(registry.url, 'levels/app', 'v1');
});
afterAll(async () => {
  await Promise.all([proxy?.stop(), registry?.stop()]);
});
beforeEach(() => {
  proxy.rules = [];
});

const client = (onRetry?: (retry: RegistryRetry) => void) =>
  new RegistryClient(proxy.host, { credentials: anonymous, actions: 'pull', retry: FAST_RETRY, ...(onRetry ? { onRetry } : {}) });
const count = (method: string) => proxy.requests.filter((r) => r.method === method && r.url === '/v2/levels/app/manifests/v1').length;

describe('retry levels', () => {
  it('tries a HEAD whose digest fallback GET keeps failing at most `attempts` times, not attempts squared', async () => {
    proxy.rules = [
      { method: 'HEAD', path: /\/manifests\/v1$/, dropHeaders: ['docker-content-digest'] },
      { method: 'GET', path: /\/manifests\/v1$/, status: 503 },
    ];
    const [heads, gets] = [count('HEAD'), count('GET')];

    await expect(client().headManifest('levels/app', 'v1')).rejects.toMatchObject({ status: 503, failureClass: 'transient' });

    expect(count('HEAD') - heads).toBe(FAST_RETRY.attempts);
    expect(count('GET') - gets).toBe(FAST_RETRY.attempts);
  });

  it('still resolves the digest through the GET fallback', async () => {
    proxy.rules = [{ method: 'HEAD', path: /\/manifests\/v1$/, dropHeaders: ['docker-content-digest'] }];
    await expect(client().headManifest('levels/app', 'v1')).resolves.toEqual({ digest: image.digest });
  });

  it('reports each retry with the registry, status, attempt and delay', async () => {
    proxy.rules = [{ method: 'GET', path: /\/manifests\/v1$/, status: 503, times: 2, retryAfter: 0 }];
    const retries: RegistryRetry[] = [];

    await client((retry) => retries.push(retry)).getManifest('levels/app', 'v1');

    expect(retries).toEqual([
      expect.objectContaining({ registry: proxy.host, status: 503, code: 'UNAVAILABLE', attempt: 1, delayMs: 0 }),
      expect.objectContaining({ registry: proxy.host, status: 503, code: 'UNAVAILABLE', attempt: 2, delayMs: 0 }),
    ]);
    expect(retries[0]?.error).toMatch(/answered 503/);
  });
});
