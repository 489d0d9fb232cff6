import { Transform, type TransformCallback } from 'node:stream';
import { RegistryTooSlowError, formatSeconds } from './time-limits.js';

export interface ThroughputFloor {
  readonly minBytesPerSecond: number;
  readonly windowMs: number;
}

/**
 * Passes a download through and fails it when a window goes by with fewer bytes than the
 * floor asks for. Its clock starts when it is made, before the request is sent, so waiting
 * for the response counts. A window in which the bytes waited on the consumer (the
 * destination taking them slowly) is not held against the source.
 */
export class ThroughputGuard extends Transform {
  private inWindow = 0;
  private waitedOnConsumer = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly floor: ThroughputFloor,
    private readonly host: string,
    private readonly what: string,
  ) {
    super();
    this.timer = setInterval(() => this.check(), floor.windowMs);
    this.timer.unref();
    this.once('close', () => clearInterval(this.timer));
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.inWindow += chunk.length;
    if (!this.push(chunk)) this.waitedOnConsumer = true;
    callback();
  }

  override _flush(callback: TransformCallback): void {
    clearInterval(this.timer);
    callback();
  }

  private check(): void {
    const needed = (this.floor.minBytesPerSecond * this.floor.windowMs) / 1000;
    const held = this.waitedOnConsumer || this.readableLength > 0;
    if (this.inWindow < needed && !held) {
      const rate = Math.round(((this.inWindow / this.floor.windowMs) * 1000) / 1024);
      this.destroy(
        new RegistryTooSlowError(
          this.host,
          `${this.what} delivered ${this.inWindow} bytes in ${formatSeconds(this.floor.windowMs)} (${rate} KiB/s), under the floor of ${Math.round(this.floor.minBytesPerSecond / 1024)} KiB/s`,
        ),
      );
      return;
    }
    this.inWindow = 0;
    this.waitedOnConsumer = false;
  }
}
