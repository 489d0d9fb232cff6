import type { Socket } from 'node:net';
import { Readable, type Writable } from 'node:stream';
import type { BlobCheck } from './blob-check.js';
import { ChunkedDecoder } from './chunked-body.js';
import { RegistryNetworkError } from './errors.js';
import type { BodyFraming } from './http-head.js';
import type { ReadBufferPool } from './read-buffer-pool.js';
import type { ThroughputMeter } from './throughput.js';
import type { BlobStream } from './verify-stream.js';

/** A body that can hand its bytes to a writable itself, without copying them. */
export interface Pumpable {
  pumpInto(destination: Writable): void;
}

export function isPumpable(body: unknown): body is Pumpable {
  return body instanceof SocketBody && body.canPump;
}

interface Piece {
  readonly view: Buffer;
  readonly buffer: Buffer;
}

/**
 * The body of a response read straight off its socket (direct-get.ts), framed by its head.
 *
 * Read as a Readable, each piece is copied out of the socket's read buffer. Pumped into a
 * writable (`pumpInto`, which the upload uses), each piece is written as it lies in the read
 * buffer, and that buffer is read into again only once the write has been flushed: no copy,
 * no allocation, and memory bounded by the pool. Either way, pieces pass the blob check
 * (hash and size) and the throughput meter when they are attached.
 */
export class SocketBody extends Readable implements BlobStream {
  private mode: 'undecided' | 'copy' | 'pump' = 'undecided';
  private destination: Writable | undefined;
  private readonly pending: Piece[] = [];
  private left: number;
  private readonly decoder: ChunkedDecoder | undefined;
  private complete = false;
  private readHeld = false;
  private socketPaused = false;
  private bodyBytes = 0;
  private check: BlobCheck | undefined;
  private meter: ThroughputMeter | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly pool: ReadBufferPool,
    private readonly framing: BodyFraming,
    /** `GET <url>`, for the message when the connection ends early. */
    private readonly request: { readonly method: string; readonly url: string },
  ) {
    super();
    this.left = framing.kind === 'length' ? framing.length : Number.POSITIVE_INFINITY;
    this.decoder = framing.kind === 'chunked' ? new ChunkedDecoder() : undefined;
    if (framing.kind === 'none' || (framing.kind === 'length' && framing.length === 0)) this.complete = true;
    // As Node's IncomingMessage: a failure before anyone reads the body (the source resets while
    // the destination is still authenticating) is kept in `errored` and `verified`, never thrown.
    this.on('error', () => undefined);
  }

  /** Not yet being read, and a body at all: however it is framed, its pieces lie in the read buffers. */
  get canPump(): boolean {
    return this.framing.kind !== 'none' && this.mode === 'undecided';
  }

  /** See BlobCheck.verified; rejected for a body that has no check attached. */
  get verified(): Promise<void> {
    return this.check?.verified ?? NO_CHECK;
  }

  get bytesReceived(): number {
    return this.bodyBytes;
  }

  /** Holds the body to a blob's size and digest, and a download's throughput floor. Before reading starts. */
  expect(check: BlobCheck, meter: ThroughputMeter): this {
    this.check = check;
    this.meter = meter;
    meter.watch(
      (error) => this.destroy(error),
      () => (this.mode === 'pump' ? this.pool.available < 2 : this.readableLength > 0),
    );
    return this;
  }

  discardRest(): void {
    // Pumping goes on by itself once the destination is gone; read as a Readable, drain it.
    if (this.mode !== 'pump' && !this.readableEnded && this.readableFlowing !== true) this.resume();
  }

  /**
   * Bytes read off the socket after the head, `view` lying in the pool's `buffer`; returns
   * whether the socket may read on (false pauses it until the body resumes it).
   */
  onRead(view: Buffer, buffer: Buffer): boolean {
    this.frame(view, buffer);
    const more = this.wantsMore();
    if (!more) this.socketPaused = true;
    return more;
  }

  private wantsMore(): boolean {
    if (this.complete || this.destroyed || this.mode === 'undecided') return false;
    // The socket takes a buffer to read into after each read: keep one for it, and one for the read after.
    if (this.pool.available < 2) {
      if (this.mode === 'pump') this.meter?.noteConsumerWait();
      return false;
    }
    return !this.readHeld;
  }

  private frame(view: Buffer, buffer: Buffer): void {
    if (this.complete || this.destroyed) return;
    let content: readonly Buffer[];
    if (this.decoder) {
      try {
        content = this.decoder.feed(view).content;
      } catch (error) {
        this.destroy(new RegistryNetworkError(this.request.method, this.request.url, error));
        return;
      }
      if (this.decoder.done) this.complete = true;
    } else {
      // Bytes past the declared length are not this body's: the connection is closed after it.
      const piece = view.length > this.left ? view.subarray(0, this.left) : view;
      this.left -= piece.length;
      if (this.left === 0) this.complete = true;
      content = [piece];
    }
    for (const piece of content) {
      if (piece.length === 0) continue;
      if (this.mode === 'undecided') {
        this.pool.hold(buffer);
        this.pending.push({ view: piece, buffer });
      } else {
        this.deliver(piece, buffer);
      }
    }
    if (this.complete && this.mode !== 'undecided') this.end();
  }

  /** The socket ended or closed: the body's end when it runs to the close, else a cut-off body. */
  socketEnded(): void {
    if (this.complete || this.destroyed) return;
    if (this.framing.kind === 'close') {
      this.complete = true;
      if (this.mode !== 'undecided') this.end();
      return;
    }
    const expected = this.framing.kind === 'length' ? ` of ${this.framing.length}` : '';
    this.destroy(
      new RegistryNetworkError(this.request.method, this.request.url, new Error(`the connection closed after ${this.bodyBytes}${expected} bytes of the body`)),
    );
  }

  pumpInto(destination: Writable): void {
    if (this.mode !== 'undecided') throw new Error('the body is already being read');
    this.mode = 'pump';
    this.destination = destination;
    // A destination that goes away may never call back for the writes it held: those buffers
    // are given up (never read into again) and the rest of the body is read for the verdict.
    destination.once('close', () => {
      this.pool.forsakeHeld();
      this.resumeSocket();
    });
    this.start();
  }

  override _read(): void {
    if (this.mode === 'undecided') {
      this.mode = 'copy';
      this.start();
      return;
    }
    this.readHeld = false;
    this.resumeSocket();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.destroy();
    this.meter?.stop();
    if (error) this.check?.fail(error);
    else this.check?.closedEarly();
    for (const { buffer } of this.pending.splice(0)) this.pool.release(buffer);
    callback(error);
  }

  private start(): void {
    for (const { view, buffer } of this.pending.splice(0)) {
      this.deliver(view, buffer);
      this.pool.release(buffer);
    }
    if (this.complete) this.end();
    else this.resumeSocket();
  }

  private deliver(view: Buffer, buffer: Buffer): void {
    if (this.destroyed) return;
    this.bodyBytes += view.length;
    this.meter?.count(view.length);
    const tooLong = this.check?.update(view);
    if (tooLong) {
      this.destroy(tooLong);
      return;
    }
    if (this.mode === 'copy') {
      if (!this.push(Buffer.from(view))) {
        this.readHeld = true;
        this.meter?.noteConsumerWait();
      }
      return;
    }
    const destination = this.destination!;
    // The destination answered or failed before taking every byte: read on for the verdict only.
    if (destination.destroyed || destination.writableEnded) return;
    this.pool.hold(buffer);
    destination.write(view, () => {
      this.pool.release(buffer);
      this.resumeSocket();
    });
  }

  private end(): void {
    if (this.destroyed) return;
    this.meter?.stop();
    const wrong = this.check?.finish();
    if (wrong) {
      this.destroy(wrong);
      return;
    }
    // Not reused: the request asked the registry to close it.
    this.socket.destroy();
    if (this.mode === 'copy') {
      this.push(null);
      return;
    }
    const destination = this.destination!;
    if (!destination.destroyed && !destination.writableEnded) destination.end();
    // In pump mode nothing reads the Readable side: end it so 'end' and 'close' still come.
    this.push(null);
    this.resume();
  }

  private resumeSocket(): void {
    if (!this.socketPaused || !this.wantsMore()) return;
    this.socketPaused = false;
    this.socket.resume();
  }
}

const NO_CHECK = Promise.reject(new Error('no blob check is attached to this body'));
NO_CHECK.catch(() => undefined);
