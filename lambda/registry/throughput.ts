import { Transform, type TransformCallback } from 'node:stream';
import { RegistryTooSlowError, formatSeconds } from './time-limits.js';

export interface ThroughputFloor {
  readonly minBytesPerSecond: number;
  readonly windowMs: number;
}

/**
 * Fails a download when a window goes by with fewer bytes than the floor asks for. Its clock
 * starts when it is made, before the request is sent, so waiting for the response counts. A
 * window in which the bytes waited on the consumer (the destination taking them slowly) is not
 * held against the source.
 */
export class ThroughputMeter {
  private inWindow = 0;
  private waitedOnConsumer = false;
  private readonly timer: NodeJS.Timeout;
  private onTooSlow: ((error: RegistryTooSlowError) => void) | undefined;
  private tooSlow: RegistryTooSlowError | undefined;
  /** Whether bytes are waiting on the consumer right now. */
  private holding: () => boolean = () => false;

  constructor(
    private readonly floor: ThroughputFloor,
    private readonly host: string,
    private readonly what: string,
  ) {
    this.timer = setInterval(() => this.check(), floor.windowMs);
    this.timer.unref();
  }

  /**
   * Names the stream it guards: `onTooSlow` is told once, when a window fell under the floor
   * (at once, when one did before the stream was named), `holding` says whether bytes are
   * waiting on the consumer right now.
   */
  watch(onTooSlow: (error: RegistryTooSlowError) => void, holding: () => boolean): void {
    this.onTooSlow = onTooSlow;
    this.holding = holding;
    if (this.tooSlow) onTooSlow(this.tooSlow);
  }

  count(bytes: number): void {
    this.inWindow += bytes;
  }

  /** The consumer did not take bytes as fast as they came, in this window. */
  noteConsumerWait(): void {
    this.waitedOnConsumer = true;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private check(): void {
    const needed = (this.floor.minBytesPerSecond * this.floor.windowMs) / 1000;
    if (this.inWindow < needed && !this.waitedOnConsumer && !this.holding()) {
      this.stop();
      const rate = Math.round(((this.inWindow / this.floor.windowMs) * 1000) / 1024);
      this.tooSlow = new RegistryTooSlowError(
        this.host,
        `${this.what} delivered ${this.inWindow} bytes in ${formatSeconds(this.floor.windowMs)} (${rate} KiB/s), under the floor of ${Math.round(this.floor.minBytesPerSecond / 1024)} KiB/s`,
      );
      this.onTooSlow?.(this.tooSlow);
      return;
    }
    this.inWindow = 0;
    this.waitedOnConsumer = false;
  }
}

/** Passes a download through a ThroughputMeter, as a stream stage. */
export class ThroughputGuard extends Transform {
  constructor(private readonly meter: ThroughputMeter) {
    super();
    this.meter.watch((error) => this.destroy(error), () => this.readableLength > 0);
    this.once('close', () => this.meter.stop());
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.meter.count(chunk.length);
    if (!this.push(chunk)) this.meter.noteConsumerWait();
    callback();
  }

  override _flush(callback: TransformCallback): void {
    this.meter.stop();
    callback();
  }
}
