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
  /**
   * Settles when the verdict is known: resolved once every byte arrived with the right size
   * and digest, rejected when they did not or the stream was torn down first. A consumer
   * must wait for it before it commits the bytes anywhere: the last byte can be passed on
   * (and a destination answer) before the source's end says they were the right ones.
   */
  readonly verified: Promise<void>;
  private readonly hash: Hash = createHash('sha256');
  private received = 0;
  private settle!: { resolve: () => void; reject: (error: unknown) => void };

  constructor(
    private readonly expectedDigest: string,
    private readonly expectedSize: number,
    private readonly what: string,
  ) {
    super();
    this.verified = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
    // Observed here so an unread verdict is never an unhandled rejection; readers still see it.
    this.verified.catch(() => undefined);
    this.once('error', (error) => this.settle.reject(error));
    this.once('close', () => this.settle.reject(new SizeMismatchError(`${this.what} (stream closed before its end)`, this.expectedSize, this.received)));
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
    if (actual !== this.expectedDigest) {
      callback(new DigestMismatchError(this.what, this.expectedDigest, actual));
      return;
    }
    this.settle.resolve();
    callback(null);
  }
}

export function sha256Digest(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
