import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DigestMismatchError, SizeMismatchError } from './errors.js';
import { VerifyingStream, sha256Digest } from './verify-stream.js';

async function run(chunks: Buffer[], digest: string, size: number, seen = { bytes: 0 }): Promise<number> {
  const sink = new Writable({
    write(chunk: Buffer, _e, cb) {
      seen.bytes += chunk.length;
      cb();
    },
  });
  await pipeline(Readable.from(chunks), new VerifyingStream(digest, size, 'blob'), sink);
  return seen.bytes;
}

describe('VerifyingStream', () => {
  it('passes exact content through', async () => {
    const data = Buffer.from('hello world');
    expect(await run([data.subarray(0, 3), data.subarray(3)], sha256Digest(data), data.length)).toBe(data.length);
  });

  it('fails on a digest mismatch at the end', async () => {
    const data = Buffer.from('hello world');
    await expect(run([data], sha256Digest(Buffer.from('hello worle')), data.length)).rejects.toThrow(DigestMismatchError);
  });

  it('fails as soon as more bytes arrive than declared, before passing them on', async () => {
    const data = Buffer.alloc(100, 1);
    const seen = { bytes: 0 };
    await expect(run([data.subarray(0, 50), data.subarray(50)], sha256Digest(data), 60, seen)).rejects.toThrow(SizeMismatchError);
    expect(seen.bytes).toBe(50);
  });

  it('fails when the content is short', async () => {
    const data = Buffer.alloc(10, 1);
    await expect(run([data], sha256Digest(data), 11)).rejects.toThrow(SizeMismatchError);
  });

  it('rejects every single-byte corruption', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.nat(), fc.integer({ min: 1, max: 255 }), async (raw, pos, flip) => {
        const data = Buffer.from(raw);
        const digest = sha256Digest(data);
        const corrupted = Buffer.from(data);
        const i = pos % corrupted.length;
        corrupted[i] = corrupted[i]! ^ flip;
        await expect(run([corrupted], digest, data.length)).rejects.toThrow(DigestMismatchError);
      }),
      { numRuns: 50 },
    );
  });

  it('gives its verdict in `verified`: after the last byte, only once the end proved the digest', async () => {
    const data = Buffer.from('hello world');
    const good = new VerifyingStream(sha256Digest(data), data.length, 'blob');
    let settled = false;
    void good.verified.then(() => (settled = true));
    good.resume();
    good.write(data);
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    good.end();
    await expect(good.verified).resolves.toBeUndefined();

    const bad = new VerifyingStream(sha256Digest(Buffer.from('other')), data.length, 'blob');
    bad.resume();
    bad.on('error', () => undefined);
    bad.end(data);
    await expect(bad.verified).rejects.toThrow(DigestMismatchError);

    const cut = new VerifyingStream(sha256Digest(data), data.length, 'blob');
    cut.write(data.subarray(0, 3));
    cut.destroy();
    await expect(cut.verified).rejects.toThrow(SizeMismatchError);
  });
});
