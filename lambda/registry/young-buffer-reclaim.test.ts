import { getHeapSpaceStatistics } from 'node:v8';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { byteCountingReclaimer, minorGc, RECLAIM_EVERY_BYTES } from './young-buffer-reclaim.js';

// The counting is tested with a counted stand-in for the collector: V8 also collects on its own
// and reports gc entries asynchronously, so counting real GCs over a time window is not exact.
describe('reclaiming a blob stream’s spent buffers', () => {
  it('collects once each time RECLAIM_EVERY_BYTES have streamed, in chunks of any size', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 2 * 1024 * 1024 }), { maxLength: 200 }), (chunks) => {
        let collections = 0;
        const note = byteCountingReclaimer(() => (collections += 1));
        let since = 0;
        let expected = 0;
        for (const chunk of chunks) {
          note(chunk);
          since += chunk;
          if (since >= RECLAIM_EVERY_BYTES) {
            expected += 1;
            since = 0;
          }
        }
        expect(collections).toBe(expected);
      }),
    );
  });

  it('collects nothing for less than RECLAIM_EVERY_BYTES, and three times for three times as much', () => {
    let collections = 0;
    const note = byteCountingReclaimer(() => (collections += 1));
    note(RECLAIM_EVERY_BYTES / 2);
    expect(collections).toBe(0);
    for (let sent = RECLAIM_EVERY_BYTES / 2; sent < 3.5 * RECLAIM_EVERY_BYTES; sent += 64 * 1024) note(64 * 1024);
    expect(collections).toBe(3);
  });

  // Read off the heap's own statistics, synchronously: a PerformanceObserver's gc entries come
  // late and were once not delivered within a minute on a loaded CI machine.
  it('runs a real young-generation collection on this Node.js', () => {
    const collect = minorGc();
    expect(collect).toBeTypeOf('function');
    const newSpaceUsed = () => getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')!.space_used_size;
    const drops: Array<[number, number]> = [];
    for (let round = 0; round < 5; round++) {
      let garbage: Array<{ index: number; text: string }> | undefined = [];
      for (let index = 0; index < 20_000; index++) garbage.push({ index, text: `young ${index}` });
      garbage = undefined;
      const before = newSpaceUsed();
      collect!();
      drops.push([before, newSpaceUsed()]);
    }
    // V8 may scavenge by itself between two reads; one clean round in five proves the call works.
    expect(drops.some(([before, after]) => before > 1_000_000 && after < before / 2), JSON.stringify(drops)).toBe(true);
  });
});
