// Temp directories for tests, each removed by the code that made it, on success and failure
// alike: test/support/temp-guard.ts fails the run when one is left behind.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';

/** A fresh `<tmpdir>/<prefix>XXXXXX`, removed when the running test ends, passed or failed. Call it inside a test. */
export function testTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs `fn` in a fresh `<tmpdir>/<prefix>XXXXXX` and removes it afterwards, whether `fn` returned or threw. */
export function withTempDir<T>(prefix: string, fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
