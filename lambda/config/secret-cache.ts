import type { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { createSecretsProvider } from '../aws-clients.js';
import { MirrorError } from '../errors.js';
import { logger } from '../log.js';
import { registerSecret } from '../redact.js';
import type { SecretSource } from './config.js';
import { splitSecrets } from './split-secrets.js';

export { splitSecrets } from './split-secrets.js';

/** How long a secret read from Secrets Manager is trusted before it is read again. */
export const SECRET_MAX_AGE_MS = 5 * 60_000;
/** A failed signature may mean the secret changed: re-read it, but not more often than this. */
export const SECRET_MIN_REFRESH_MS = 60_000;
/** After Secrets Manager failed, wait this long before asking again (the cached value serves meanwhile). */
export const RETRY_FAILED_READ_MS = 10_000;
/** The longest a cached secret keeps serving while Secrets Manager cannot be read. */
export const SECRET_MAX_STALE_MS = 60 * 60_000;

/**
 * One secret, from the environment or Secrets Manager, cached. The value may hold
 * several secrets, one per line (rotation). An empty value counts as not set.
 */
export class SecretCache {
  /** When the value was last read successfully. */
  private fetchedAt = Number.NEGATIVE_INFINITY;
  /** When a read last failed: reads are not retried more often than RETRY_FAILED_READ_MS. */
  private failedAt = Number.NEGATIVE_INFINITY;
  private loaded = false;
  private values: readonly string[] = [];

  constructor(
    private readonly source: SecretSource | undefined,
    private readonly provider: Pick<SecretsProvider, 'get'> = defaultProvider(),
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Every secret the value holds; empty when none is configured or the stored value is empty.
   * When Secrets Manager fails, a value read before keeps serving; with none, it throws.
   */
  async get(): Promise<readonly string[]> {
    if (!this.source) return [];
    if (this.source.kind === 'value') return registered(splitSecrets(this.source.value));
    const now = this.now();
    if (now - this.fetchedAt >= SECRET_MAX_AGE_MS) {
      if (now - this.failedAt >= RETRY_FAILED_READ_MS) await this.fetch();
      else if (!this.loaded || now - this.fetchedAt > SECRET_MAX_STALE_MS) throw new SecretUnavailableError(this.source.arn);
    }
    return this.values;
  }

  /** Re-reads the secret when the cached copy is old enough; true when a new value was read. Never throws. */
  async refreshIfStale(): Promise<boolean> {
    if (this.source?.kind !== 'arn') return false;
    const now = this.now();
    if (now - this.fetchedAt < SECRET_MIN_REFRESH_MS || now - this.failedAt < RETRY_FAILED_READ_MS) return false;
    return this.fetch().catch(() => false);
  }

  /** True when it read a value; false when it kept the old one after a failure; throws when there is none. */
  private async fetch(): Promise<boolean> {
    if (this.source?.kind !== 'arn') return false;
    let value: string | Uint8Array | undefined;
    try {
      value = await this.provider.get(this.source.arn, { forceFetch: true, maxAge: SECRET_MAX_AGE_MS / 1000 });
    } catch (error) {
      // Terraform creates the secret without a value until the operator sets one: that is "not configured".
      if (!isNotFound(error)) {
        const now = this.now();
        this.failedAt = now;
        const ageS = Math.round((now - this.fetchedAt) / 1000);
        // A rotated-out secret must not verify forever: past an hour the cached copy is given up.
        if (!this.loaded || now - this.fetchedAt > SECRET_MAX_STALE_MS) throw new SecretUnavailableError(this.source.arn, error);
        logger.warn('could not re-read a secret from Secrets Manager; using the copy read earlier', {
          secret: this.source.arn,
          age_s: ageS,
          error: error instanceof Error ? error.message : String(error),
        });
        return false;
      }
    }
    this.values = registered(splitSecrets(typeof value === 'string' ? value : value ? Buffer.from(value).toString('utf8') : ''));
    this.fetchedAt = this.now();
    this.loaded = true;
    return true;
  }
}

/** Secrets Manager could not be read and no earlier value is cached. */
export class SecretUnavailableError extends MirrorError {
  constructor(secretId: string, cause?: unknown) {
    const why = cause instanceof Error ? `: ${cause.message}` : ' (an earlier read failed moments ago)';
    super(`could not read secret ${secretId} from Secrets Manager${why}`, { code: 'SECRET_UNAVAILABLE', failureClass: 'transient', cause });
  }
}

/** Powertools wraps the SDK's error; the cause names it. */
function isNotFound(error: unknown): boolean {
  const cause = (error as { cause?: { name?: string } } | null)?.cause;
  return (error as { name?: string } | null)?.name === 'ResourceNotFoundException' || cause?.name === 'ResourceNotFoundException';
}

/** Each secret read is one the redaction must know, in each of its forms (`whsec_` keys also without the prefix). */
function registered(values: string[]): string[] {
  for (const value of values) {
    registerSecret(value);
    if (value.startsWith('whsec_')) registerSecret(value.slice('whsec_'.length));
  }
  return values;
}

let shared: SecretsProvider | undefined;
function defaultProvider(): SecretsProvider {
  shared ??= createSecretsProvider();
  return shared;
}
