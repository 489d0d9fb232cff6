import type { ECRClient } from '@aws-sdk/client-ecr';
import { createEcrClient } from '../aws-clients.js';
import { createEcrCredentials } from '../ecr/auth.js';
import { propagateBasePolicies } from '../ecr/propagate-policies.js';
import { ensureRepository } from '../ecr/repositories.js';
import { logger } from '../log.js';
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

export interface EcrDestinationOptions {
  /** Bring an existing repository's policies up to the base's (see propagate-policies.ts). Default true. */
  readonly propagateBasePolicies?: boolean;
  /** How long a warm function trusts its last propagation for a repository. Default 10 minutes. */
  readonly propagationIntervalMs?: number;
  readonly now?: () => number;
}

/**
 * ECR: repositories are created with the base repository's policies, and existing ones take
 * later changes of them; pushes use an ECR token.
 */
export function ecrDestination(baseRepository: string, ecr: ECRClient = createEcrClient(), options: EcrDestinationOptions = {}): Destination {
  const auth = createEcrCredentials(ecr);
  const propagate = options.propagateBasePolicies ?? true;
  const interval = options.propagationIntervalMs ?? 10 * 60_000;
  const now = options.now ?? Date.now;
  // A burst of jobs for one repository checks its policies once, not once per image.
  const propagatedAt = new Map<string, number>();
  return {
    registry: () => auth.registryHost(),
    credentials: auth.credentialProvider,
    prepare: async (repository) => {
      const { policiesCopied, repositoryArn } = await ensureRepository(ecr, { baseRepository, repository });
      if (!propagate || policiesCopied) return;
      const last = propagatedAt.get(repository);
      if (last !== undefined && now() - last < interval) return;
      try {
        await propagateBasePolicies(ecr, { baseRepository, repository, repositoryArn });
        propagatedAt.set(repository, now());
      } catch (error) {
        // Policies are not the image: mirror it anyway; the next job or reconcile tries again.
        logger.warn('could not bring the repository policies up to the base repository', {
          repository,
          error: error instanceof Error ? error.message : String(error),
        });
      }
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
