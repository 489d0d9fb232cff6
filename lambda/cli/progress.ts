import type { CopyProgress } from '../registry/copy.js';

/** Human progress lines for a terminal; nothing is printed when stderr is not one. */
export function terminalProgress(stream: NodeJS.WriteStream): ((event: CopyProgress) => void) | undefined {
  if (!stream.isTTY) return undefined;
  let done = 0;
  let total = 0;
  return (event) => {
    if (event.type === 'resolved') {
      total = event.blobs;
      stream.write(`resolved ${event.digest} (${event.mediaType}), ${event.blobs} blobs\n`);
    } else if (event.type === 'blob') {
      done += 1;
      stream.write(`[${done}/${total}] ${event.outcome} ${event.digest.slice(0, 19)} ${formatBytes(event.size)}\n`);
    } else {
      stream.write(`pushed manifest ${event.reference}\n`);
    }
  };
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
