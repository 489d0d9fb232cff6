import type { SecretCache } from '../config/secret-cache.js';
import { credentialsFor, anonymous } from '../registry/credentials.js';
import { copyImage, type CopySummary } from '../registry/copy.js';
import { parseReference } from '../registry/reference.js';
import type { RetryPolicy } from '../registry/retry.js';
import type { Destination } from './destination.js';
import type { MirrorJob } from './job.js';

export interface MirrorDependencies {
  readonly rootRegistryHost: string;
  readonly rootRegistryUsername: string;
  readonly rootApiKey: SecretCache;
  readonly destination: Destination;
  readonly retry?: RetryPolicy;
}

/**
 * Mirrors one image: prepares the destination repository, then copies.
 * The Root API key is offered to the Root registry host and nowhere else.
 */
export async function runMirrorJob(job: MirrorJob, deps: MirrorDependencies): Promise<CopySummary> {
  const source = parseReference(job.source);
  const [apiKey] = await deps.rootApiKey.get();
  const sourceCredentials = apiKey
    ? credentialsFor(deps.rootRegistryHost, { username: deps.rootRegistryUsername, password: apiKey })
    : anonymous;
  await deps.destination.prepare(job.destinationRepository);
  const registry = await deps.destination.registry();
  return copyImage(source, { registry, repository: job.destinationRepository, tag: job.destinationTag }, {
    sourceCredentials,
    destinationCredentials: deps.destination.credentials,
    ...(job.platform ? { platform: job.platform } : {}),
    ...(deps.retry ? { retry: deps.retry } : {}),
  });
}
