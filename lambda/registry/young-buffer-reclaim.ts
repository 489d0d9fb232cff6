// Frees a blob stream's spent chunk buffers while they are young.
//
// Node's HTTP client hands each response body chunk over as a fresh copy (about 64 KiB), beside
// the socket's own read buffer: copying 1 GiB leaves about 2 GiB of short-lived buffers behind.
// Their memory lives outside the JavaScript heap, so V8 collects them only when that external
// memory has grown by tens of MiB, and then with a full mark-compact of the whole heap. On
// Node.js 22 and 24 that let a 1 GiB copy peak at 116-208 MiB RSS and spend about 50
// mark-compacts per GiB. A minor GC every few MiB streamed frees the buffers while their owners
// are still in the young generation, which costs well under a millisecond each time.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Bytes streamed between two young-generation collections. */
export const RECLAIM_EVERY_BYTES = 4 * 1024 * 1024;

type Gc = (options: { type: 'minor'; execution: 'sync' }) => void;

let gc: Gc | null | undefined;

/** V8's young-generation collection, run synchronously; null where V8 does not expose it. */
export function minorGc(): (() => void) | null {
  if (gc === undefined) {
    try {
      // `gc` is defined in contexts created after the flag is set; the main context is left as it is.
      setFlagsFromString('--expose-gc');
      const found: unknown = runInNewContext('typeof gc === "function" ? gc : undefined');
      gc = typeof found === 'function' ? (found as Gc) : null;
    } catch {
      gc = null;
    }
  }
  const collect = gc;
  return collect ? () => collect({ type: 'minor', execution: 'sync' }) : null;
}

/** Counts streamed bytes and calls `collect` each time `everyBytes` have passed. */
export function byteCountingReclaimer(collect: () => void, everyBytes = RECLAIM_EVERY_BYTES): (bytes: number) => void {
  let sinceLast = 0;
  return (bytes) => {
    sinceLast += bytes;
    if (sinceLast < everyBytes) return;
    sinceLast = 0;
    collect();
  };
}

/** Counts streamed bytes and runs a minor GC each time RECLAIM_EVERY_BYTES have passed. */
export const noteBytesStreamed = byteCountingReclaimer(() => minorGc()?.());
