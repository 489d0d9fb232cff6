/** First retry after about 30 s, doubling per delivery, capped at 15 minutes. */
const FIRST_DELAY_S = 30;
const MAX_DELAY_S = 900;

/** Seconds until a failed record comes back, from how often it was delivered; jitter spreads a burst. */
export function retryDelaySeconds(receiveCount: number, random: () => number = Math.random): number {
  // A missing or garbled ApproximateReceiveCount must not become a NaN visibility timeout.
  const attempt = Number.isFinite(receiveCount) ? Math.max(1, Math.floor(receiveCount)) : 1;
  const bound = Math.min(MAX_DELAY_S, FIRST_DELAY_S * 2 ** (attempt - 1));
  return Math.round(bound * (0.75 + random() * 0.25));
}

/**
 * Time kept back from a copy to settle its record (delay the retry, flush metrics) before
 * Lambda's timeout: 30 s, but never more than a fifth of the time left, so a short timeout
 * still leaves most of it to the copy.
 */
export const STOP_MARGIN_MS = 30_000;

export function stopMarginMs(remainingMs: number): number {
  return Math.min(STOP_MARGIN_MS, Math.floor(remainingMs / 5));
}

/** Delay before a copy stopped for the timeout is delivered again. */
export const RESUME_DELAY_S = 5;
