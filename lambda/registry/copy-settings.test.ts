import { describe, expect, it } from 'vitest';
import { USAGE } from '../cli/usage.js';
import { DEFAULT_COPY_CONCURRENCY, DEFAULT_IDLE_TIMEOUT_MS, resolveCopySettings } from './copy-settings.js';
import { DEFAULT_RETRY, type RetryPolicy } from './retry.js';

describe('copy settings', () => {
  it('applies every default once, in one place', () => {
    expect(resolveCopySettings({})).toEqual({ concurrency: 4, idleTimeoutMs: 60_000, retry: DEFAULT_RETRY });
    expect([DEFAULT_COPY_CONCURRENCY, DEFAULT_IDLE_TIMEOUT_MS]).toEqual([4, 60_000]);
  });

  it('keeps what the caller chose, and reads an idle timeout of 0 as the default rather than none', () => {
    const retry: RetryPolicy = { attempts: 2, baseDelayMs: 1, maxDelayMs: 2, maxRetryAfterMs: 0 };
    expect(resolveCopySettings({ concurrency: 9, idleTimeoutMs: 5_000, retry })).toEqual({ concurrency: 9, idleTimeoutMs: 5_000, retry });
    expect(resolveCopySettings({ idleTimeoutMs: 0 }).idleTimeoutMs).toBe(DEFAULT_IDLE_TIMEOUT_MS);
  });

  it('is the default the CLI help states', () => {
    expect(USAGE).toContain(`blobs transferred at once (default ${DEFAULT_COPY_CONCURRENCY})`);
  });
});
