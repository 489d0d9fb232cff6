// One process-wide 'exit' hook for everything the harness starts. 'exit' handlers
// must be synchronous, so each entry kills or deletes with sync calls only.
import { rmSync } from 'node:fs';

const pending = new Set<() => void>();
let hooked = false;

/** Runs `fn` when the process exits unless the returned `release` was called first. */
export function onProcessExit(fn: () => void): () => void {
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      for (const run of pending) {
        try {
          run();
        } catch {
          // Best effort: one failed cleanup must not stop the others.
        }
      }
      pending.clear();
    });
  }
  pending.add(fn);
  return () => {
    pending.delete(fn);
  };
}

/** Removes a temp dir at exit unless released earlier (released by the owner's own stop()). */
export function removeDirAtExit(dir: string): () => void {
  return onProcessExit(() => rmSync(dir, { recursive: true, force: true }));
}
