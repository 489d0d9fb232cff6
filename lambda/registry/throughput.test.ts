import { PassThrough, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ThroughputGuard, ThroughputMeter } from './throughput.js';
import { RegistryTooSlowError } from './time-limits.js';

const FLOOR = { minBytesPerSecond: 10_000, windowMs: 100 };

describe('ThroughputGuard', () => {
  it('fails a source that brings less than the floor in a window, naming the host', async () => {
    const guard = new ThroughputGuard(new ThroughputMeter(FLOOR, 'cr.example', 'the download'));
    const failed = new Promise((resolve) => guard.once('error', resolve));
    guard.resume();
    guard.write(Buffer.alloc(10));
    expect(await failed).toBeInstanceOf(RegistryTooSlowError);
    expect(String(await failed)).toMatch(/^RegistryTooSlowError: cr\.example is too slow: the download delivered 10 bytes in 100 ms/);
  });

  it('lets a source at the floor through', async () => {
    const guard = new ThroughputGuard(new ThroughputMeter(FLOOR, 'cr.example', 'the download'));
    let error: unknown;
    guard.on('error', (e) => (error = e));
    guard.resume();
    for (let i = 0; i < 6; i++) {
      guard.write(Buffer.alloc(2_000));
      await sleep(50);
    }
    guard.end();
    expect(error).toBeUndefined();
  });

  it('does not blame the source for a consumer that takes the bytes slowly', async () => {
    const guard = new ThroughputGuard(new ThroughputMeter(FLOOR, 'cr.example', 'the download'));
    let error: unknown;
    guard.on('error', (e) => (error = e));
    const stuck = new Writable({ highWaterMark: 1, write: () => undefined });
    const source = new PassThrough();
    source.pipe(guard).pipe(stuck);
    // A fast source, held back only by backpressure: it writes while it may.
    while (source.write(Buffer.alloc(16 * 1024)));
    await sleep(450);
    expect(error).toBeUndefined();
    guard.destroy();
  });
});
