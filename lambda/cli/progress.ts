import type { CopyProgress } from '../registry/copy.js';

/** How often the live lines are redrawn: more than twice a second, as a person watching expects. */
export const REFRESH_MS = 250;
/** The rate shown is measured over about this long, so it follows a link that slows down. */
const RATE_WINDOW_MS = 2_000;

/** What the renderer needs of stderr: a terminal's width and a write. */
export interface ProgressTerminal {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): boolean;
}

export interface TerminalProgress {
  readonly onProgress: (event: CopyProgress) => void;
  /** Prints a line that stays, above the live lines. */
  note(line: string): void;
  /** Stops refreshing and removes the live lines; the finished lines stay. */
  stop(): void;
}

interface Running {
  readonly digest: string;
  readonly size: number;
  readonly bytesDone: () => number;
  /** Recent (time, bytes) samples for the rate. */
  readonly samples: Array<{ at: number; bytes: number }>;
}

/**
 * Progress for a person at a terminal: a line per finished blob, and live lines (each
 * running blob's bytes, percentage and rate, then an overall line) redrawn every REFRESH_MS.
 * Several copies may feed one display (`sync`): the overall line adds up every image resolved.
 * Undefined when the stream is not a terminal: piped output and logs get none of it.
 */
export function terminalProgress(stream: ProgressTerminal, now: () => number = Date.now): TerminalProgress | undefined {
  if (!stream.isTTY) return undefined;
  const running = new Map<string, Running>();
  let totalBlobs = 0;
  let totalBytes = 0;
  let finishedBlobs = 0;
  let finishedBytes = 0;
  let transferredFinished = 0;
  let startedAt = now();
  let liveLines = 0;
  let timer: NodeJS.Timeout | undefined;

  const erase = () => {
    if (liveLines > 0) stream.write(`\x1b[${liveLines}F\x1b[J`);
    liveLines = 0;
  };
  const fit = (line: string) => {
    const width = stream.columns || 80;
    return line.length < width ? line : `${line.slice(0, Math.max(0, width - 2))}…`;
  };
  const draw = () => {
    erase();
    const at = now();
    const lines: string[] = [];
    let runningBytes = 0;
    for (const blob of running.values()) {
      const bytes = blob.bytesDone();
      runningBytes += bytes;
      blob.samples.push({ at, bytes });
      while (blob.samples.length > 2 && at - blob.samples[0]!.at > RATE_WINDOW_MS) blob.samples.shift();
      const first = blob.samples[0]!;
      const rate = at > first.at ? ((bytes - first.bytes) * 1000) / (at - first.at) : 0;
      lines.push(`  ${blob.digest.slice(7, 19)}  ${formatBytes(bytes)} / ${formatBytes(blob.size)}  ${percent(bytes, blob.size)}  ${formatBytes(rate)}/s`);
    }
    const done = finishedBytes + runningBytes;
    const elapsed = Math.max(1, at - startedAt);
    const rate = ((transferredFinished + runningBytes) * 1000) / elapsed;
    lines.push(
      `overall: ${finishedBlobs}/${totalBlobs} blobs, ${formatBytes(done)} / ${formatBytes(totalBytes)} ${percent(done, totalBytes)}, ${formatBytes(rate)}/s`,
    );
    stream.write(lines.map((line) => `${fit(line)}\n`).join(''));
    liveLines = lines.length;
  };
  /** A line that stays, printed above the live lines; only those must fit (the redraw counts lines). */
  const print = (line: string) => {
    erase();
    stream.write(`${line}\n`);
    if (timer) draw();
  };

  return {
    onProgress: (event) => {
      if (event.type === 'resolved') {
        totalBlobs += event.blobs;
        totalBytes += event.bytes;
        if (!timer) startedAt = now();
        print(`resolved ${event.digest} (${event.mediaType}), ${event.blobs} blobs, ${formatBytes(event.bytes)}`);
        timer ??= setInterval(draw, REFRESH_MS);
        timer.unref();
        draw();
      } else if (event.type === 'streaming') {
        running.set(event.digest, { digest: event.digest, size: event.size, bytesDone: event.bytesDone, samples: [] });
      } else if (event.type === 'blob') {
        running.delete(event.digest);
        finishedBlobs += 1;
        finishedBytes += event.size;
        if (event.outcome === 'copied') transferredFinished += event.size;
        print(`[${finishedBlobs}/${totalBlobs}] ${event.outcome} ${event.digest.slice(0, 19)} ${formatBytes(event.size)}`);
      } else {
        print(`pushed manifest ${event.reference}`);
      }
    },
    note: print,
    stop: () => {
      if (timer) clearInterval(timer);
      timer = undefined;
      erase();
    },
  };
}

function percent(done: number, total: number): string {
  return `${total > 0 ? Math.min(100, Math.floor((done * 100) / total)) : 100}%`;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}
