// A source that drips: every byte restarts an idle timer, so only a total deadline and a
// throughput floor end the copy. The windows are scaled down to half a second here; the
// production figures are checked by arithmetic at the end.
import { describe, expect, it } from 'vitest';
import { anonymous, credentialsFor } from '../../lambda/registry/credentials.js';
import { copyImage, type CopyOptions } from '../../lambda/registry/copy.js';
import { parseReference } from '../../lambda/registry/reference.js';
import { DEFAULT_RETRY } from '../../lambda/registry/retry.js';
import { DEFAULT_TIME_LIMITS, RegistryTooSlowError, worstCaseDripFailureMs, type TimeLimits } from '../../lambda/registry/time-limits.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { fetchManifest, pushRandomImage } from '../support/images.js';
import { proxiedSource } from '../support/proxied-registries.js';
import { startRegistry } from '../support/registry.js';
import { startTokenServer, type TokenServer } from '../support/token-server.js';
import { FAST_RETRY } from './fast-retry.js';

const LIMITS: TimeLimits = { requestDeadlineMs: 500, throughputWindowMs: 500, minBytesPerSecond: 64 * 1024, idleTimeoutMs: 5_000, slowRetries: 1 };
const open: CopyOptions = { sourceCredentials: anonymous, destinationCredentials: anonymous, retry: FAST_RETRY, timeLimits: LIMITS };
const BOUND_MS = worstCaseDripFailureMs(LIMITS, FAST_RETRY);
/** Scheduling on a shared machine: the bound is about the windows, not about the event loop's punctuality. */
const SLACK_MS = 1_500;
const BLOB_GET = /\/blobs\/sha256:[a-f0-9]{64}$/;
const MANIFEST_GET = /\/manifests\//;

const registries = proxiedSource();

const from = (path: string) => parseReference(`${registries.proxy.host}/${path}`);
const to = (path: string) => parseReference(`${registries.dst.host}/${path}`);

async function timed(attempt: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  const error = await attempt.then(
    () => undefined,
    (e: unknown) => e,
  );
  return { error, ms: Date.now() - started };
}

describe('a dripping source', () => {
  it('fails a manifest that trickles in, within the bound, as transient, naming the host', { timeout: 20_000 }, async () => {
    await pushRandomImage(registries.src.url, 'drip/manifest', 'v1');
    // One byte every 50 ms: 20 bytes a second, forever fresh for an idle timer.
    registries.proxy.rules = [{ method: 'GET', path: MANIFEST_GET, drip: { bytes: 1, everyMs: 50 } }];

    const { error, ms } = await timed(copyImage(from('drip/manifest:v1'), to('drip/manifest:v1'), open));
    expect(error).toBeInstanceOf(RegistryTooSlowError);
    expect(error).toMatchObject({ failureClass: 'transient', host: registries.proxy.host });
    expect(String(error)).toContain(`${registries.proxy.host} is too slow: GET /v2/drip/manifest/manifests/v1 did not complete within 500 ms`);
    // Retried once (the budget), then given up.
    expect(registries.proxy.requests.filter((r) => MANIFEST_GET.test(r.url)).length).toBe(2);
    expect(ms).toBeGreaterThanOrEqual(2 * LIMITS.requestDeadlineMs - 50);
    expect(ms).toBeLessThan(BOUND_MS + SLACK_MS);
  });

  it('fails a blob download under the throughput floor, within the bound, leaving the tag alone', { timeout: 20_000 }, async () => {
    await pushRandomImage(registries.src.url, 'drip/blob', 'v1', { layers: [40_000, 30_000] });
    // 2 KB a second, far under 64 KiB/s.
    registries.proxy.rules = [{ method: 'GET', path: BLOB_GET, drip: { bytes: 200, everyMs: 100 } }];

    const { error, ms } = await timed(copyImage(from('drip/blob:v1'), to('drip/blob:v1'), open));
    expect(error).toBeInstanceOf(RegistryTooSlowError);
    expect(error).toMatchObject({ failureClass: 'transient', host: registries.proxy.host });
    expect(String(error)).toMatch(/is too slow: the download of blob drip\/blob@sha256:[a-f0-9]{64} delivered \d+ bytes in 500 ms \(\d+ KiB\/s\), under the floor of 64 KiB\/s/);
    expect(ms).toBeLessThan(BOUND_MS + SLACK_MS);
    await expect(fetchManifest(registries.dst.url, 'drip/blob', 'v1')).rejects.toThrow(/404/);
  });

  it('fails a token that trickles in, naming the token host', { timeout: 20_000 }, async () => {
    const USER = { username: 'u', password: 'p' };
    const tokens: TokenServer = await startTokenServer({ users: { [USER.username]: USER.password } });
    const tokenProxy = await startFaultProxy(tokens.url, [{ path: /\/token/, drip: { bytes: 1, everyMs: 50 } }]);
    const locked = await startRegistry({ auth: 'bearer', tokenServer: tokens, realm: `${tokenProxy.url}/token` });
    try {
      const { error, ms } = await timed(
        copyImage(parseReference(`${locked.host}/drip/token:v1`), to('drip/token:v1'), { ...open, sourceCredentials: credentialsFor(locked.host, USER) }),
      );
      expect(error).toBeInstanceOf(RegistryTooSlowError);
      expect(error).toMatchObject({ failureClass: 'transient', host: tokenProxy.host });
      expect(ms).toBeLessThan(BOUND_MS + SLACK_MS);
    } finally {
      await Promise.all([locked.stop(), tokenProxy.stop(), tokens.stop()]);
    }
  });

  it('lets a slow but steady source finish', { timeout: 20_000 }, async () => {
    const image = await pushRandomImage(registries.src.url, 'drip/steady', 'v1', { layers: [20_000] });
    // 20 KB a second against a scaled floor of 4 KiB/s, and no request longer than the deadline.
    registries.proxy.rules = [{ method: 'GET', path: BLOB_GET, drip: { bytes: 2_000, everyMs: 100 } }];
    await copyImage(from('drip/steady:v1'), to('drip/steady:v1'), { ...open, timeLimits: { ...LIMITS, minBytesPerSecond: 4 * 1024 } });
    expect((await fetchManifest(registries.dst.url, 'drip/steady', 'v1')).digest).toBe(image.digest);
  });
});

describe('the production limits', () => {
  it('are the issue\'s figures and end a copy from a dripping source within 5 minutes, retries included', () => {
    expect(DEFAULT_TIME_LIMITS).toMatchObject({ requestDeadlineMs: 60_000, minBytesPerSecond: 64 * 1024, throughputWindowMs: 60_000 });
    // (1 retried slow failure + the final one + one in flight beside it) x 60 s + one backoff of at most 8 s.
    expect(worstCaseDripFailureMs(DEFAULT_TIME_LIMITS, DEFAULT_RETRY)).toBe(188_000);
    expect(worstCaseDripFailureMs(DEFAULT_TIME_LIMITS, DEFAULT_RETRY)).toBeLessThanOrEqual(5 * 60_000);
  });
});
