import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChunkedDecoder } from './chunked-body.js';
import { MalformedHeadError } from './http-head.js';

/** A chunked encoding of `chunks`, with optional extensions and trailers. */
function encode(chunks: readonly Uint8Array[], extension: string, trailers: readonly string[]): Buffer {
  const parts: Buffer[] = [];
  for (const chunk of chunks) {
    if (chunk.length === 0) continue;
    parts.push(Buffer.from(`${chunk.length.toString(16)}${extension}\r\n`), Buffer.from(chunk), Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`0${extension}\r\n${trailers.map((t) => `${t}\r\n`).join('')}\r\n`));
  return Buffer.concat(parts);
}

/** Feeds `bytes` cut at `cuts`, returning the content and the bytes the decoder said were the body's. */
function decode(bytes: Buffer, cuts: readonly number[]): { content: Buffer; used: number; done: boolean } {
  const decoder = new ChunkedDecoder();
  const content: Buffer[] = [];
  let used = 0;
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  let from = 0;
  for (const to of [...points, bytes.length]) {
    const result = decoder.feed(bytes.subarray(from, to));
    content.push(...result.content);
    used += result.used;
    from = to;
    if (decoder.done) break;
  }
  return { content: Buffer.concat(content), used, done: decoder.done };
}

describe('ChunkedDecoder', () => {
  it('decodes any chunking of any content, cut anywhere, and stops at the body’s end', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 12 }),
        fc.constantFrom('', ';ext=1', ';a;b="c d"', ' ;x'),
        fc.array(fc.constantFrom('x-trailer: 1', 'digest: sha-256=abc'), { maxLength: 2 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        fc.uint8Array({ maxLength: 20 }),
        (chunks, extension, trailers, cuts, after) => {
          const body = encode(chunks, extension, trailers);
          const { content, used, done } = decode(Buffer.concat([body, after]), cuts);
          expect(done).toBe(true);
          expect(content).toEqual(Buffer.concat(chunks));
          expect(used).toBe(body.length);
        },
      ),
    );
  });

  it('is not done while the last chunk or the final blank line is missing', () => {
    const body = encode([Buffer.from('hello')], '', []);
    for (let cut = 0; cut < body.length; cut++) expect(decode(body.subarray(0, cut), []).done).toBe(false);
  });

  it('accepts upper-case hexadecimal sizes', () => {
    const data = Buffer.alloc(0xab, 1);
    expect(decode(Buffer.concat([Buffer.from('AB\r\n'), data, Buffer.from('\r\n0\r\n\r\n')]), []).content).toEqual(data);
  });

  it.each([
    ['a size that is not hexadecimal', 'zz\r\nab\r\n0\r\n\r\n'],
    ['a chunk longer than its size', '2\r\nabc\r\n0\r\n\r\n'],
    ['a line ended by LF alone', '2\nab\r\n0\r\n\r\n'],
    ['a size of 17 digits', '10000000000000000\r\n'],
    ['a size line without a size', ';ext\r\n'],
  ])('refuses %s', (_what, text) => {
    expect(() => decode(Buffer.from(text), [])).toThrow(MalformedHeadError);
  });

  it('refuses a size line that never ends', () => {
    expect(() => new ChunkedDecoder().feed(Buffer.alloc(5000, 0x31))).toThrow(/over 4096 bytes/);
  });
});
