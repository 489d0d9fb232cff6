import type { ECRClient } from '@aws-sdk/client-ecr';
import type { LimitFunction } from 'p-limit';
import { listImageTags, listRepositoriesBelow } from '../ecr/images.js';
import type { RegistryClient } from '../registry/client.js';
import { RegistryResponseError } from '../registry/errors.js';
import { settleAll } from '../settle.js';

/** What the destination holds, read without touching a blob. */
export interface DestinationIndex {
  /** Digest per tag, for those of `tags` the repository has; empty when the repository does not exist. */
  digests(repository: string, tags: readonly string[]): Promise<Map<string, string>>;
  /** Full names of the repositories below `base/`. */
  mirrored(base: string): Promise<string[]>;
}

/** ECR: ListImages names a thousand tags and their digests per call. */
export function ecrIndex(ecr: ECRClient): DestinationIndex {
  return {
    digests: async (repository) => (await listImageTags(ecr, repository)) ?? new Map(),
    mirrored: (base) => listRepositoriesBelow(ecr, base),
  };
}

/** Any OCI registry: its tag list, then a HEAD for each tag Root also has (bounded by `limit`). */
export function registryIndex(client: RegistryClient, limit: LimitFunction): DestinationIndex {
  return {
    digests: async (repository, tags) => {
      const held = await client.listTags(repository).catch((error: unknown) => {
        if (error instanceof RegistryResponseError && error.status === 404) return [];
        throw error;
      });
      const wanted = new Set(tags);
      const digests = new Map<string, string>();
      await settleAll(
        held
          .filter((tag) => wanted.has(tag))
          .map((tag) =>
            limit(async () => {
              const head = await client.headManifest(repository, tag);
              if (head) digests.set(tag, head.digest);
            }),
          ),
      );
      return digests;
    },
    mirrored: async (base) => (await client.listRepositories()).filter((name) => name.startsWith(`${base}/`)),
  };
}
