import { describe, expect, it } from 'vitest';
import { foreignCode } from '../error-codes.js';
import { MirrorError } from '../errors.js';
import { RegistryResponseError } from './errors.js';
import { backoffDelayMs, parseRetryAfter, withRetry, type RetryPolicy } from './retry.js';

const FAST: RetryPolicy = { attempts: 4, baseDelayMs: 1, maxDelayMs: 4, maxRetryAfterMs: 1_000 };

describe('withRetry', () => {
  it('retries transient failures until success', async () => {
    let calls = 0;
    const result = await withRetry(FAST, async () => {
      calls += 1;
      if (calls < 3) throw new RegistryResponseError({ method: 'GET', url: 'http://x/', status: 503 });
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(calls).toBe(3);
  });

  it('fails fast on permanent failures', async () => {
    let calls = 0;
    await expect(
      withRetry(FAST, async () => {
        calls += 1;
        throw new RegistryResponseError({ method: 'GET', url: 'http://x/', status: 404, errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] });
      }),
    ).rejects.toThrow(/404 \(MANIFEST_UNKNOWN: manifest unknown\)/);
    expect(calls).toBe(1);
  });

  it('gives up after the policy attempts', async () => {
    let calls = 0;
    const transient = new MirrorError('flaky', { code: foreignCode('X'), failureClass: 'transient' });
    await expect(
      withRetry(FAST, async () => {
        calls += 1;
        throw transient;
      }),
    ).rejects.toBe(transient);
    expect(calls).toBe(FAST.attempts);
  });

  it('waits as long as Retry-After says', async () => {
    const delays: number[] = [];
    let calls = 0;
    await withRetry(
      FAST,
      async () => {
        calls += 1;
        if (calls === 1) throw new RegistryResponseError({ method: 'GET', url: 'http://x/', status: 429, errors: [{ code: 'TOOMANYREQUESTS' }], retryAfterMs: 20 });
        return 'ok';
      },
      { onRetry: (_e, _a, delay) => delays.push(delay) },
    );
    expect(delays).toEqual([20]);
  });

  it('does not wait past the longest acceptable Retry-After', async () => {
    await expect(
      withRetry(FAST, async () => {
        throw new RegistryResponseError({ method: 'GET', url: 'http://x/', status: 429, retryAfterMs: 3_600_000 });
      }),
    ).rejects.toThrow(/429/);
  });
});

describe('backoff and Retry-After', () => {
  it('grows exponentially with jitter and is capped', () => {
    const policy: RetryPolicy = { attempts: 10, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 0 };
    expect(backoffDelayMs(policy, 1, () => 0)).toBe(50);
    expect(backoffDelayMs(policy, 1, () => 1)).toBe(100);
    expect(backoffDelayMs(policy, 3, () => 1)).toBe(400);
    expect(backoffDelayMs(policy, 9, () => 1)).toBe(1_000);
  });

  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('3')).toBe(3_000);
    expect(parseRetryAfter('Wed, 25 Nov 2026 10:00:10 GMT', Date.parse('Wed, 25 Nov 2026 10:00:00 GMT'))).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});
