import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boundedForResponse, RESPONSE_ERROR_ENTRIES, RESPONSE_PLAN_ENTRIES } from './bounded-summary.js';

const entry = (i: number) => ({ repository: `library/repo-${i % 500}`, tag: `1.${i}.0-root-with-a-long-suffix`, digest: `sha256:${'ab'.repeat(32)}`, reason: 'missing' });
const summary = (planned: number, errors = 0) => ({
  ok: errors === 0,
  checked: planned,
  queued: planned,
  plan: Array.from({ length: planned }, (_, i) => entry(i)),
  errors: Array.from({ length: errors }, (_, i) => ({ repository: `r${i}`, code: 'ROOT_UNREACHABLE', message: 'x'.repeat(300) })),
  notes: ['Root refused its catalog'],
});
const LAMBDA_RESPONSE_LIMIT = 6 * 1024 * 1024;

describe('boundedForResponse', () => {
  it('answers a small summary unchanged', () => {
    const small = summary(3, 1);
    expect(boundedForResponse(small)).toBe(small);
  });

  it('keeps the first planned tags and errors of a huge summary, exact counts, and a note per shortened list, far below 6 MB', () => {
    const huge = summary(100_000, 5_000);
    expect(Buffer.byteLength(JSON.stringify(huge))).toBeGreaterThan(LAMBDA_RESPONSE_LIMIT);

    const bounded = boundedForResponse(huge);
    expect(bounded.plan).toEqual(huge.plan.slice(0, RESPONSE_PLAN_ENTRIES));
    expect(bounded.errors).toHaveLength(RESPONSE_ERROR_ENTRIES);
    expect(bounded).toMatchObject({ checked: 100_000, queued: 100_000, ok: false });
    expect(bounded.notes).toEqual([
      'Root refused its catalog',
      `plan lists the first ${RESPONSE_PLAN_ENTRIES} of 100000 planned tags; the function's log has the reconcile's summary line`,
      `errors lists the first ${RESPONSE_ERROR_ENTRIES} of 5000 errors; the function's log has the reconcile's summary line`,
    ]);
    expect(Buffer.byteLength(JSON.stringify(bounded))).toBeLessThan(LAMBDA_RESPONSE_LIMIT / 10);
  });

  it('never keeps more than the limits nor drops an entry below them', () => {
    fc.assert(
      fc.property(fc.nat(3000), fc.nat(300), (planned, errors) => {
        const bounded = boundedForResponse(summary(planned, errors));
        expect(bounded.plan).toHaveLength(Math.min(planned, RESPONSE_PLAN_ENTRIES));
        expect(bounded.errors).toHaveLength(Math.min(errors, RESPONSE_ERROR_ENTRIES));
        expect(bounded.notes.length - 1).toBe(Number(planned > RESPONSE_PLAN_ENTRIES) + Number(errors > RESPONSE_ERROR_ENTRIES));
      }),
      { numRuns: 200 },
    );
  });
});
