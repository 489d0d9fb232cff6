import type { ECRClient } from '@aws-sdk/client-ecr';
import { createEcrClient } from '../aws-clients.js';
import { createEcrCredentials } from '../ecr/auth.js';
import { ensureRepository } from '../ecr/repositories.js';
import type { CredentialProvider } from '../registry/credentials.js';
import { dockerConfigCredentials, dockerConfigPath } from '../registry/docker-config.js';

/** Where mirrored images go: the account's ECR, or any OCI registry named by DST_REGISTRY. */
export interface Destination {
  /** `host[:port]` of the registry's OCI endpoint. */
  registry(): Promise<string>;
  readonly credentials: CredentialProvider;
  /** Makes sure the repository exists and carries the base repository's policies. */
  prepare(repository: string): Promise<void>;
  /** Drops cached credentials the registry refused, so the next attempt fetches fresh ones. */
  invalidateCredentials(): void;
}

/** ECR: repositories are created with the base repository's policies; pushes use an ECR token. */
export function ecrDestination(baseRepository: string, ecr: ECRClient = createEcrClient()): Destination {
  const auth = createEcrCredentials(ecr);
  return {
    registry: () => auth.registryHost(),
    credentials: auth.credentialProvider,
    prepare: async (repository) => {
      await ensureRepository(ecr, { baseRepository, repository });
    },
    invalidateCredentials: () => auth.invalidate(),

  };
}

/** Another OCI registry: repositories appear on push; credentials come from the Docker config file. */
export function registryDestination(host: string, env: NodeJS.ProcessEnv = process.env): Destination {
  let credentials: Promise<CredentialProvider> | undefined;
  return {
    registry: async () => host,
    credentials: async (registry) => {
      credentials ??= dockerConfigCredentials(dockerConfigPath(env));
      return (await credentials)(registry);
    },
    prepare: async () => undefined,
    invalidateCredentials: () => {
      credentials = undefined;
    },

  };
}
