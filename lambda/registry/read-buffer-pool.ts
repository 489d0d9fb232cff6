/**
 * The buffers one direct download reads its socket into, reused instead of allocated per read:
 * a fresh buffer per read costs page faults and leaves external memory that V8 collects late.
 * A buffer is lent out with the bytes read into it and comes back only when everything that
 * holds a view of it is done (its upload write has been flushed), so no byte is ever
 * overwritten while still in use. One that never comes back is simply collected.
 */
export class ReadBufferPool {
  private readonly free: Buffer[] = [];
  /** Views of a lent buffer still in use. */
  private readonly holds = new Map<Buffer, number>();

  constructor(
    readonly count: number,
    readonly size: number,
  ) {
    for (let i = 0; i < count; i++) this.free.push(Buffer.allocUnsafeSlow(size));
  }

  /** Buffers neither lent out nor being read into. */
  get available(): number {
    return this.free.length;
  }

  /** A buffer to read into: a free one, or a new one when none is (never one still in use). */
  take(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafeSlow(this.size);
  }

  /** One more view of `buffer` is in use until `release(buffer)`. */
  hold(buffer: Buffer): void {
    const free = this.free.indexOf(buffer);
    if (free >= 0) this.free.splice(free, 1);
    this.holds.set(buffer, (this.holds.get(buffer) ?? 0) + 1);
  }

  /** A view of `buffer` is done with; the buffer is free again when none is left. */
  release(buffer: Buffer): void {
    const left = (this.holds.get(buffer) ?? 1) - 1;
    if (left > 0) {
      this.holds.set(buffer, left);
      return;
    }
    this.holds.delete(buffer);
    this.give(buffer);
  }

  /**
   * Gives up every buffer still held (their holders will never say they are done) and makes
   * new ones in their place: a given-up buffer is never read into again.
   */
  forsakeHeld(): void {
    const lost = this.holds.size;
    this.holds.clear();
    for (let i = 0; i < lost && this.free.length < this.count; i++) this.free.push(Buffer.allocUnsafeSlow(this.size));
  }

  /** A buffer read into whose bytes nobody holds (a head, or bytes past a body's end). */
  give(buffer: Buffer): void {
    if (this.holds.has(buffer)) return;
    if (buffer.length === this.size && this.free.length < this.count && !this.free.includes(buffer)) this.free.push(buffer);
  }
}
