import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReadBufferPool } from './read-buffer-pool.js';

type Step = { op: 'take' } | { op: 'hold'; pick: number } | { op: 'release'; pick: number } | { op: 'give'; pick: number } | { op: 'forsake' };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.constant({ op: 'take' as const }),
  fc.record({ op: fc.constant('hold' as const), pick: fc.nat() }),
  fc.record({ op: fc.constant('release' as const), pick: fc.nat() }),
  fc.record({ op: fc.constant('give' as const), pick: fc.nat() }),
  fc.constant({ op: 'forsake' as const }),
);

describe('ReadBufferPool', () => {
  it('never hands out a buffer somebody still holds, nor a forsaken one, whatever the order of calls', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 200 }), (steps) => {
        const pool = new ReadBufferPool(3, 16);
        const holds = new Map<Buffer, number>();
        const forsaken = new Set<Buffer>();
        const seen: Buffer[] = [];
        const pick = (n: number) => seen[n % seen.length];
        for (const s of steps) {
          if (s.op === 'take') {
            const buffer = pool.take();
            expect(holds.get(buffer) ?? 0).toBe(0);
            expect(forsaken.has(buffer)).toBe(false);
            expect(buffer.length).toBe(16);
            if (!seen.includes(buffer)) seen.push(buffer);
            // The reader lends what it read, then gives the buffer back unless a view is held.
            continue;
          }
          if (s.op === 'forsake') {
            for (const [buffer, count] of holds) if (count > 0) forsaken.add(buffer);
            holds.clear();
            pool.forsakeHeld();
            continue;
          }
          const buffer = seen.length > 0 ? pick(s.pick) : undefined;
          if (!buffer || forsaken.has(buffer)) continue;
          if (s.op === 'hold') {
            pool.hold(buffer);
            holds.set(buffer, (holds.get(buffer) ?? 0) + 1);
          } else if (s.op === 'release' && (holds.get(buffer) ?? 0) > 0) {
            pool.release(buffer);
            holds.set(buffer, holds.get(buffer)! - 1);
          } else if (s.op === 'give') {
            pool.give(buffer);
          }
          expect(pool.available).toBeLessThanOrEqual(3);
        }
      }),
    );
  });

  it('reuses its buffers once released, and keeps no more than its count', () => {
    const pool = new ReadBufferPool(2, 8);
    const a = pool.take();
    const b = pool.take();
    expect(pool.available).toBe(0);
    pool.hold(a);
    pool.hold(a);
    pool.give(a);
    expect(pool.available).toBe(0);
    pool.release(a);
    expect(pool.available).toBe(0);
    pool.release(a);
    expect(pool.available).toBe(1);
    expect(pool.take()).toBe(a);
    const extra = pool.take();
    expect([a, b]).not.toContain(extra);
    pool.give(b);
    pool.give(extra);
    pool.give(a);
    expect(pool.available).toBe(2);
    pool.give(Buffer.alloc(4));
    expect(pool.available).toBe(2);
  });
});
