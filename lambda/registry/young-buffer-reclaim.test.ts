import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { noteBytesStreamed, RECLAIM_EVERY_BYTES } from './young-buffer-reclaim.js';

// A requested minor GC may be run as a full one (V8 picks a mark-compact when incremental marking
// is under way, as in a busy test worker): both count as the collection asked for.
const COLLECTIONS = new Set([constants.NODE_PERFORMANCE_GC_MINOR, constants.NODE_PERFORMANCE_GC_MAJOR]);
const isCollection = (entry: PerformanceEntry) => COLLECTIONS.has((entry as { detail?: { kind?: number } }).detail?.kind ?? -1);

/** Minor GCs seen after `work`: gc entries arrive asynchronously, so it waits for `expected` of them, up to `waitMs`. */
async function minorGcsDuring(work: () => void, expected: number, waitMs: number): Promise<number> {
  let minor = 0;
  let wake: () => void = () => undefined;
  const observer = new PerformanceObserver((list) => {
    minor += list.getEntries().filter(isCollection).length;
    if (minor >= expected) wake();
  });
  observer.observe({ entryTypes: ['gc'] });
  work();
  await new Promise<void>((resolve) => {
    wake = resolve;
    setTimeout(resolve, waitMs);
  });
  observer.disconnect();
  return minor;
}

describe('reclaiming a blob stream’s spent buffers', () => {
  it('runs a minor GC each time RECLAIM_EVERY_BYTES have streamed, in chunks of any size', async () => {
    const chunk = 64 * 1024;
    const gcs = await minorGcsDuring(() => {
      for (let sent = 0; sent < 3 * RECLAIM_EVERY_BYTES; sent += chunk) noteBytesStreamed(chunk);
    }, 3, 5000);
    expect(gcs).toBeGreaterThanOrEqual(3);
  });

  it('collects nothing for less than RECLAIM_EVERY_BYTES', async () => {
    noteBytesStreamed(RECLAIM_EVERY_BYTES); // start from a fresh count
    const gcs = await minorGcsDuring(() => noteBytesStreamed(RECLAIM_EVERY_BYTES / 2), 1, 200);
    expect(gcs).toBe(0);
  });
});
