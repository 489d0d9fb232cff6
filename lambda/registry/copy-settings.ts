import type { RetryPolicy } from './retry.js';
import { DEFAULT_RETRY } from './retry.js';

/** Blobs (and manifests) fetched at once by one copy, unless told otherwise. */
export const DEFAULT_COPY_CONCURRENCY = 4;
/** A request idle this long, sending or receiving, fails (transient). */
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

/** A copy's tunables with every default applied: resolved once, then passed on whole. */
export interface CopySettings {
  readonly concurrency: number;
  readonly idleTimeoutMs: number;
  readonly retry: RetryPolicy;
}

export function resolveCopySettings(options: { concurrency?: number; idleTimeoutMs?: number; retry?: RetryPolicy }): CopySettings {
  return {
    concurrency: options.concurrency ?? DEFAULT_COPY_CONCURRENCY,
    // 0 would switch Node's socket timeout off altogether: it means "the default" here.
    idleTimeoutMs: options.idleTimeoutMs !== undefined && options.idleTimeoutMs > 0 ? options.idleTimeoutMs : DEFAULT_IDLE_TIMEOUT_MS,
    retry: options.retry ?? DEFAULT_RETRY,
  };
}
