import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
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

  it('runs a real young-generation collection on this Node.js', async () => {
    const collect = minorGc();
    expect(collect).toBeTypeOf('function');
    const seen = new Promise<PerformanceEntry>((resolve) => {
      const observer = new PerformanceObserver((list) => {
        const entry = list.getEntries().find((e) => (e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR);
        if (entry) {
          observer.disconnect();
          resolve(entry);
        }
      });
      observer.observe({ entryTypes: ['gc'] });
    });
    collect!();
    await expect(seen).resolves.toBeDefined();
  });
});
