import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { noteBytesStreamed, RECLAIM_EVERY_BYTES } from './young-buffer-reclaim.js';

async function minorGcsDuring(work: () => void): Promise<number> {
  const entries: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => entries.push(...list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  work();
  await new Promise((resolve) => setTimeout(resolve, 50)); // gc entries are delivered asynchronously
  observer.disconnect();
  return entries.filter((entry) => ((entry as { detail?: { kind?: number } }).detail)?.kind === constants.NODE_PERFORMANCE_GC_MINOR).length;
}

describe('reclaiming a blob stream’s spent buffers', () => {
  it('runs a minor GC each time RECLAIM_EVERY_BYTES have streamed, in chunks of any size', async () => {
    const chunk = 64 * 1024;
    const gcs = await minorGcsDuring(() => {
      for (let sent = 0; sent < 3 * RECLAIM_EVERY_BYTES; sent += chunk) noteBytesStreamed(chunk);
    });
    expect(gcs).toBeGreaterThanOrEqual(3);
  });

  it('collects nothing for less than RECLAIM_EVERY_BYTES', async () => {
    noteBytesStreamed(RECLAIM_EVERY_BYTES); // start from a fresh count
    const gcs = await minorGcsDuring(() => noteBytesStreamed(RECLAIM_EVERY_BYTES / 2));
    expect(gcs).toBe(0);
  });
});
