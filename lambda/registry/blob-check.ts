import { createHash, type Hash } from 'node:crypto';
import { DigestMismatchError, SizeMismatchError } from './errors.js';

/**
 * Hashes and counts a blob's bytes as they stream past, and gives the verdict at their end:
 * the size and digest its descriptor declared, or the error saying how they differ.
 */
export class BlobCheck {
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
    readonly what: string,
  ) {
    this.verified = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
    // Observed here so an unread verdict is never an unhandled rejection; readers still see it.
    this.verified.catch(() => undefined);
  }

  get bytesReceived(): number {
    return this.received;
  }

  /** Takes the next bytes; the error when they run past the declared size (then nothing is hashed). */
  update(bytes: Buffer): SizeMismatchError | undefined {
    this.received += bytes.length;
    if (this.received > this.expectedSize) return new SizeMismatchError(this.what, this.expectedSize, this.received);
    this.hash.update(bytes);
    return undefined;
  }

  /** The bytes have ended: settles the verdict and returns the error when they were wrong. */
  finish(): SizeMismatchError | DigestMismatchError | undefined {
    if (this.received !== this.expectedSize) return this.fail(new SizeMismatchError(this.what, this.expectedSize, this.received));
    const actual = `sha256:${this.hash.digest('hex')}`;
    if (actual !== this.expectedDigest) return this.fail(new DigestMismatchError(this.what, this.expectedDigest, actual));
    this.settle.resolve();
    return undefined;
  }

  /** The stream failed or was torn down before its end (a no-op once the verdict is known). */
  fail<E>(error: E): E {
    this.settle.reject(error);
    return error;
  }

  /** The verdict for a stream that closed before its end. */
  closedEarly(): void {
    this.fail(new SizeMismatchError(`${this.what} (stream closed before its end)`, this.expectedSize, this.received));
  }
}
