import { MirrorError } from '../errors.js';
import { DEFAULT_IDLE_TIMEOUT_MS } from './copy-settings.js';
import type { RetryPolicy } from './retry.js';

/**
 * How long a registry may take. An idle timer alone restarts with every byte, so a server
 * sending one byte every 30 s would hold a copy forever: small requests get a total
 * deadline, blob downloads a minimum throughput.
 */
export interface TimeLimits {
  /**
   * One exchange with a registry for a manifest, a token, a HEAD, a POST, the completing PUT:
   * from the first byte sent (authentication and redirects included) to the last byte of the
   * answer. For a blob download, until its response headers arrive.
   */
  readonly requestDeadlineMs: number;
  /** A blob download slower than this over a whole window fails. */
  readonly minBytesPerSecond: number;
  readonly throughputWindowMs: number;
  /** No byte in either direction for this long fails any request, a blob upload included. */
  readonly idleTimeoutMs: number;
  /** Failures for slowness retried within one copy, all requests together; the next one ends the copy. */
  readonly slowRetries: number;
}

export const DEFAULT_TIME_LIMITS: TimeLimits = {
  requestDeadlineMs: 60_000,
  minBytesPerSecond: 64 * 1024,
  throughputWindowMs: 60_000,
  idleTimeoutMs: DEFAULT_IDLE_TIMEOUT_MS,
  slowRetries: 1,
};

/**
 * The longest a copy from a source that drips on every request runs before it fails.
 * Every request to it fails for slowness within one window (the deadline, or the first
 * throughput check, which counts from the request's start). `slowRetries` of those
 * failures are retried after a backoff, the next one fails the copy, and transfers
 * already in flight beside it are let finish: at most one more window.
 */
export function worstCaseDripFailureMs(limits: TimeLimits, retry: RetryPolicy): number {
  const window = Math.max(limits.requestDeadlineMs, limits.throughputWindowMs);
  return (limits.slowRetries + 2) * window + limits.slowRetries * retry.maxDelayMs;
}

/** A registry too slow to be worth waiting for: transient, since a slow moment passes. */
export class RegistryTooSlowError extends MirrorError {
  constructor(
    readonly host: string,
    what: string,
  ) {
    super(`${host} is too slow: ${what}`, { code: 'REGISTRY_TOO_SLOW', failureClass: 'transient' });
  }
}

/** Shared by every client of one copy: how many more slow failures may be retried. */
export class SlowRetryBudget {
  constructor(private left: number) {}

  /** Whether this failure may be retried; slowness failures spend the budget, others pass. */
  allows(error: unknown): boolean {
    if (!(error instanceof RegistryTooSlowError)) return true;
    if (this.left <= 0) return false;
    this.left -= 1;
    return true;
  }
}

export function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
