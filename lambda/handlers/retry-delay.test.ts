// How long a failed record stays away: doubling per delivery from about 30 s, capped at 15 minutes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { retryDelaySeconds, stopMarginMs } from './retry-delay.js';

describe('retryDelaySeconds', () => {
  it('doubles per delivery up to 15 minutes, without jitter at its top', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 50].map((n) => retryDelaySeconds(n, () => 1))).toEqual([30, 60, 120, 240, 480, 900, 900, 900, 900]);
  });

  it('takes at most a quarter off for jitter', () => {
    expect([1, 2, 6].map((n) => retryDelaySeconds(n, () => 0))).toEqual([23, 45, 675]);
  });

  it('treats a missing or garbled receive count as the first delivery', () => {
    for (const count of [Number.NaN, Number('abc'), 0, -3, Number.POSITIVE_INFINITY]) {
      expect(retryDelaySeconds(count, () => 1)).toBe(30);
    }
  });

  it('is always a whole number of seconds SQS accepts, and never shrinks as deliveries grow', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (count, r) => {
        const delay = retryDelaySeconds(count, () => r);
        expect(Number.isInteger(delay) && delay >= 23 && delay <= 900).toBe(true);
        expect(retryDelaySeconds(count + 1, () => r)).toBeGreaterThanOrEqual(delay);
      }),
    );
  });
});

describe('stopMarginMs', () => {
  it('keeps 30 s back from a long invocation', () => {
    expect(stopMarginMs(900_000)).toBe(30_000);
    expect(stopMarginMs(150_000)).toBe(30_000);
  });

  it('keeps only a fifth back from a short one, so the copy still gets most of the time', () => {
    expect(stopMarginMs(30_000)).toBe(6_000);
    expect(stopMarginMs(60_000)).toBe(12_000);
    expect(stopMarginMs(0)).toBe(0);
  });
});
