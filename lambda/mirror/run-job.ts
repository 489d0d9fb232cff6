import type { SecretCache } from '../config/secret-cache.js';
import { untilAborted } from '../abort.js';
import { MirrorError } from '../errors.js';
import { credentialsFor, anonymous } from '../registry/credentials.js';
import { copyImage, type CopyProgress, type CopySummary } from '../registry/copy.js';
import { RegistryResponseError } from '../registry/errors.js';
import type { RetryPolicy } from '../registry/retry.js';
import type { RegistryRetry } from '../registry/client.js';
import type { Destination } from './destination.js';
import { checkJob, type JobRules } from './job-checks.js';
import type { MirrorJob } from './job.js';
import { reportRetries } from './retry-report.js';

export interface MirrorDependencies extends JobRules {
  readonly rootRegistryUsername: string;
  readonly rootApiKey: SecretCache;
  readonly destination: Destination;
  readonly retry?: RetryPolicy;
  /** Copy the image's referrers (signatures, attestations, SBOMs) with it; default true. */
  readonly copyReferrers?: boolean;
  /** Told of each registry retry; by default logged at DEBUG and counted (`RegistryRetries`). */
  readonly onRetry?: (retry: RegistryRetry) => void;
  /** Told of each copy's progress (the CLI's terminal display); none by default. */
  readonly onProgress?: (event: CopyProgress) => void;
}

/**
 * Mirrors one image: resolves the source, prepares the destination repository, then copies
 * what Root's tag names, whole (job.platform is not a filter: see MirrorJob).
 * The Root API key is offered to the Root registry host and nowhere else.
 */
export async function runMirrorJob(job: MirrorJob, deps: MirrorDependencies, signal?: AbortSignal): Promise<CopySummary> {
  try {
    return await mirrorOnce(job, deps, signal);
  } catch (error) {
    // A key rotated in Secrets Manager since we cached it: re-read it (at most once a minute) and try again.
    const keyRejected = error instanceof MirrorError && error.code === 'ROOT_CREDENTIALS_REJECTED';
    if (keyRejected && (await deps.rootApiKey.refreshIfStale())) return mirrorOnce(job, deps, signal);
    // The destination refused a cached token (revoked, or the role changed): fetch a new one once.
    if (await refusedByDestination(error, deps)) {
      deps.destination.invalidateCredentials();
      return mirrorOnce(job, deps, signal);
    }
    throw error;
  }
}

async function refusedByDestination(error: unknown, deps: MirrorDependencies): Promise<boolean> {
  if (!(error instanceof RegistryResponseError) || error.status !== 401 || error.fromRedirectTarget) return false;
  return error.registry === (await deps.destination.registry());
}

async function mirrorOnce(job: MirrorJob, deps: MirrorDependencies, signal: AbortSignal | undefined): Promise<CopySummary> {
  const source = checkJob(job, deps);
  const [apiKey] = await deps.rootApiKey.get();
  const sourceCredentials = apiKey
    ? credentialsFor(deps.rootRegistryHost, { username: deps.rootRegistryUsername, password: apiKey })
    : anonymous;
  // ECR calls are not aborted by the signal themselves: stop waiting for them at the deadline.
  const registry = await untilAborted(deps.destination.registry(), signal);
  try {
    return await copyImage(source, { registry, repository: job.destinationRepository, tag: job.destinationTag }, {
      sourceCredentials,
      destinationCredentials: deps.destination.credentials,
      // Only once the source image is known to exist: a wrong tag must not leave an empty repository behind.
      beforeDestination: () => untilAborted(deps.destination.prepare(job.destinationRepository), signal),
      ...(deps.retry ? { retry: deps.retry } : {}),
      onRetry: deps.onRetry ?? reportRetries(job),
      ...(signal ? { signal } : {}),
      // Root may announce a newer digest for the tag before an older event is retried.
      // No platform: the event's arch says what Root remediated, and the tag keeps naming
      // what Root's tag names, the whole index for a multi-arch tag.
      tagOnlyIfSourceTagCurrent: true,
      referrers: deps.copyReferrers ?? true,
      ...(deps.onProgress ? { onProgress: deps.onProgress } : {}),
    });
  } catch (error) {
    const refusal = source.registry === deps.rootRegistryHost ? rootRefusal(error, deps, apiKey !== undefined) : undefined;
    throw refusal ?? error;
  }
}

/**
 * A 401/403 from Root's own registry means our key, not the image: say which key to fix.
 * Only answers from Root's host count; the destination's refusals keep their own message.
 */
export function rootRefusal(
  error: unknown,
  deps: Pick<MirrorDependencies, 'rootRegistryHost' | 'rootRegistryUsername'>,
  keyConfigured: boolean,
): MirrorError | undefined {
  if (!(error instanceof RegistryResponseError) || (error.status !== 401 && error.status !== 403)) return undefined;
  // S3 or a CDN refusing a pre-signed link Root's registry redirected to says nothing about the key.
  if (error.fromRedirectTarget) return undefined;
  // By the registry asked, not the URL: with Bearer auth Root's token server may live on another host.
  if (error.registry !== deps.rootRegistryHost) return undefined;
  const user = `user "${deps.rootRegistryUsername}"`;
  const problem = !keyConfigured
    ? 'no Root API key is configured: set the secret named by ROOT_API_KEY_ARN (or ROOT_API_KEY)'
    : error.status === 401
      ? `it refused the Root API key of ${user}: put the right key in the secret named by ROOT_API_KEY_ARN (or ROOT_API_KEY)`
      : `the Root API key of ${user} may not pull this image: check the key's access in Root`;
  return new MirrorError(`Root's registry ${deps.rootRegistryHost} answered ${error.status}; ${problem}. (${error.message})`, {
    code: error.status === 401 ? 'ROOT_CREDENTIALS_REJECTED' : 'ROOT_ACCESS_DENIED',
    failureClass: 'permanent',
    cause: error,
  });
}
