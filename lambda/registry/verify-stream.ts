import { createHash } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { BlobCheck } from './blob-check.js';
import { noteBytesStreamed } from './young-buffer-reclaim.js';

/** A blob download as the upload takes it: its bytes, and the verdict on them. */
export interface BlobStream extends Readable {
  /** See BlobCheck.verified: wait for it before committing the bytes anywhere. */
  readonly verified: Promise<void>;
  readonly bytesReceived: number;
  /** Reads what is left without passing it on, so the verdict comes (the destination stopped taking bytes). */
  discardRest(): void;
}

/**
 * Passes bytes through while hashing and counting them. It fails as soon as
 * more bytes arrive than declared, and at the end when the size or digest is
 * wrong, so a consumer that commits only on a clean end never commits bad data.
 */
export class VerifyingStream extends Transform implements BlobStream {
  readonly verified: Promise<void>;
  private readonly check: BlobCheck;

  constructor(expectedDigest: string, expectedSize: number, what: string) {
    super();
    this.check = new BlobCheck(expectedDigest, expectedSize, what);
    this.verified = this.check.verified;
    this.once('error', (error) => this.check.fail(error));
    this.once('close', () => this.check.closedEarly());
  }

  get bytesReceived(): number {
    return this.check.bytesReceived;
  }

  discardRest(): void {
    if (!this.readableEnded && this.readableFlowing !== true) this.resume();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const tooLong = this.check.update(chunk);
    if (tooLong) {
      callback(tooLong);
      return;
    }
    noteBytesStreamed(chunk.length);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    callback(this.check.finish() ?? null);
  }
}

export function sha256Digest(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
