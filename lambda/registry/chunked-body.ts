// The chunked transfer coding (RFC 9112 §7.1), decoded incrementally for the direct download.
import { MalformedHeadError } from './http-head.js';

/** A chunk-size line or trailer line longer than this is refused. */
const MAX_LINE_BYTES = 4096;
/** A chunk larger than this (16 hex digits would overflow a safe integer) is refused. */
const MAX_CHUNK_BYTES = Number.MAX_SAFE_INTEGER;

type State = 'size' | 'data' | 'data-end' | 'trailer' | 'done';

/**
 * Turns the bytes of a chunked body, in pieces of any size, into its content. The content
 * comes out as views of the bytes fed in: a caller that keeps one past `feed` copies it.
 */
export class ChunkedDecoder {
  private state: State = 'size';
  private line = '';
  private left = 0;

  /** The whole body, its last chunk and trailers included, has been decoded. */
  get done(): boolean {
    return this.state === 'done';
  }

  /** Decodes one piece; returns the content it held and how many of its bytes belonged to the body. */
  feed(bytes: Buffer): { readonly content: Buffer[]; readonly used: number } {
    const content: Buffer[] = [];
    let at = 0;
    while (at < bytes.length && this.state !== 'done') {
      if (this.state === 'data') {
        const take = Math.min(this.left, bytes.length - at);
        content.push(bytes.subarray(at, at + take));
        at += take;
        this.left -= take;
        if (this.left === 0) this.state = 'data-end';
        continue;
      }
      const newline = bytes.indexOf(0x0a, at);
      const end = newline < 0 ? bytes.length : newline + 1;
      this.line += bytes.toString('latin1', at, end);
      at = end;
      if (this.line.length > MAX_LINE_BYTES) throw new MalformedHeadError(`a line of the chunked body is over ${MAX_LINE_BYTES} bytes`);
      if (newline < 0) continue;
      if (!this.line.endsWith('\r\n')) throw new MalformedHeadError('a line of the chunked body does not end with CRLF');
      this.endLine(this.line.slice(0, -2));
      this.line = '';
    }
    return { content, used: at };
  }

  private endLine(line: string): void {
    if (this.state === 'data-end') {
      if (line !== '') throw new MalformedHeadError('a chunk of the chunked body is longer than its size said');
      this.state = 'size';
    } else if (this.state === 'size') {
      const size = /^([0-9a-fA-F]{1,16})[\t ]*(?:;.*)?$/.exec(line);
      if (!size) throw new MalformedHeadError('the chunked body has a chunk without a hexadecimal size');
      const length = Number.parseInt(size[1]!, 16);
      if (length > MAX_CHUNK_BYTES) throw new MalformedHeadError('the chunked body announces a chunk too large to count');
      this.left = length;
      this.state = length === 0 ? 'trailer' : 'data';
    } else if (this.state === 'trailer' && line === '') {
      this.state = 'done';
    }
  }
}
