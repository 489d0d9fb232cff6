import { setTimeout as sleep } from 'node:timers/promises';
import { abortedError } from '../abort.js';
import { failureClassOf } from '../errors.js';
import { RegistryResponseError } from './errors.js';

/** How transient failures are retried. Data, so tests and callers can tune it. */
export interface RetryPolicy {
  /** Total attempts, the first included. */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** A `Retry-After` longer than this is not waited for: the operation fails as transient instead. */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 5,
  baseDelayMs: 250,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 60_000,
};

/**
 * Equal jitter: half the exponential bound, plus a random share of the other half. Never less
 * than half the bound, so a retry does not come straight back, and still spread out, so many
 * clients failing together do not retry together.
 */
export function backoffDelayMs(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const bound = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(bound / 2 + (random() * bound) / 2);
}

/** Parses `Retry-After` as delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export interface RetryHooks {
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Once aborted, no further attempt starts and a pending backoff ends at once. */
  signal?: AbortSignal;
  /** Consulted for a transient failure before retrying it; false ends the retries with that error. */
  retryable?: (error: unknown) => boolean;
}

/** Runs `operation` until it succeeds, fails permanently, or the attempts are spent. */
export async function withRetry<T>(
  policy: RetryPolicy,
  operation: (attempt: number) => Promise<T>,
  hooks: RetryHooks = {},
): Promise<T> {
  const { signal } = hooks;
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw abortedError(signal);
    try {
      return await operation(attempt);
    } catch (error) {
      if (failureClassOf(error) === 'permanent' || attempt >= policy.attempts || signal?.aborted) throw error;
      if (hooks.retryable && !hooks.retryable(error)) throw error;
      const retryAfter = error instanceof RegistryResponseError ? error.retryAfterMs : undefined;
      if (retryAfter !== undefined && retryAfter > policy.maxRetryAfterMs) throw error;
      const delay = retryAfter ?? backoffDelayMs(policy, attempt);
      hooks.onRetry?.(error, attempt, delay);
      await sleep(delay, undefined, signal ? { signal } : undefined).catch(() => {
        throw abortedError(signal!);
      });
    }
  }
}
