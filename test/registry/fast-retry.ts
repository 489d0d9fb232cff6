import type { RetryPolicy } from '../../lambda/registry/retry.js';

/** The production policy's shape with millisecond delays, so retry tests stay fast. */
export const FAST_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 2_000 };
