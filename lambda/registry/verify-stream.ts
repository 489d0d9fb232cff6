import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { DigestMismatchError, SizeMismatchError } from './errors.js';
import { noteBytesStreamed } from './young-buffer-reclaim.js';

/**
 * Passes bytes through while hashing and counting them. It fails as soon as
 * more bytes arrive than declared, and at the end when the size or digest is
 * wrong, so a consumer that commits only on a clean end never commits bad data.
 */
export class VerifyingStream extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private received = 0;

  constructor(
    private readonly expectedDigest: string,
    private readonly expectedSize: number,
    private readonly what: string,
  ) {
    super();
  }

  get bytesReceived(): number {
    return this.received;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.received += chunk.length;
    if (this.received > this.expectedSize) {
      callback(new SizeMismatchError(this.what, this.expectedSize, this.received));
      return;
    }
    this.hash.update(chunk);
    noteBytesStreamed(chunk.length);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.received !== this.expectedSize) {
      callback(new SizeMismatchError(this.what, this.expectedSize, this.received));
      return;
    }
    const actual = `sha256:${this.hash.digest('hex')}`;
    callback(actual === this.expectedDigest ? null : new DigestMismatchError(this.what, this.expectedDigest, actual));
  }
}

export function sha256Digest(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
