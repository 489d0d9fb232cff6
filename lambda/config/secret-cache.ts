import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SecretSource } from './config.js';

/** How long a secret read from Secrets Manager is trusted before it is read again. */
export const SECRET_MAX_AGE_MS = 5 * 60_000;
/** A failed signature may mean the secret changed: re-read it, but not more often than this. */
export const SECRET_MIN_REFRESH_MS = 60_000;

/**
 * One secret, from the environment or Secrets Manager, cached. The value may hold
 * several secrets, one per line (rotation). An empty value counts as not set.
 */
export class SecretCache {
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private values: readonly string[] = [];

  constructor(
    private readonly source: SecretSource | undefined,
    private readonly provider: Pick<SecretsProvider, 'get'> = defaultProvider(),
    private readonly now: () => number = Date.now,
  ) {}

  get configured(): boolean {
    return this.source !== undefined;
  }

  /** Every secret the value holds; empty when none is configured or the stored value is empty. */
  async get(): Promise<readonly string[]> {
    if (!this.source) return [];
    if (this.source.kind === 'value') return splitSecrets(this.source.value);
    if (this.now() - this.fetchedAt >= SECRET_MAX_AGE_MS) await this.fetch();
    return this.values;
  }

  /** Re-reads the secret when the cached copy is old enough; true when it did. */
  async refreshIfStale(): Promise<boolean> {
    if (this.source?.kind !== 'arn' || this.now() - this.fetchedAt < SECRET_MIN_REFRESH_MS) return false;
    await this.fetch();
    return true;
  }

  private async fetch(): Promise<void> {
    if (this.source?.kind !== 'arn') return;
    let value: string | Uint8Array | undefined;
    try {
      value = await this.provider.get(this.source.arn, { forceFetch: true, maxAge: SECRET_MAX_AGE_MS / 1000 });
    } catch (error) {
      // Terraform creates the secret without a value until the operator sets one: that is "not configured".
      if (!isNotFound(error)) throw error;
    }
    this.values = splitSecrets(typeof value === 'string' ? value : value ? Buffer.from(value).toString('utf8') : '');
    this.fetchedAt = this.now();
  }
}

/** Powertools wraps the SDK's error; the cause names it. */
function isNotFound(error: unknown): boolean {
  const cause = (error as { cause?: { name?: string } } | null)?.cause;
  return (error as { name?: string } | null)?.name === 'ResourceNotFoundException' || cause?.name === 'ResourceNotFoundException';
}

export function splitSecrets(value: string): string[] {
  return value
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

let shared: SecretsProvider | undefined;
function defaultProvider(): SecretsProvider {
  shared ??= new SecretsProvider();
  return shared;
}
