/**
 * Reads and writes the two policies a mirrored repository takes from the base repository:
 * the repository policy and the lifecycle policy. An absent policy reads as undefined, which
 * is not an error. Writing the same text twice is harmless, so two workers may both copy.
 */
import {
  DeleteLifecyclePolicyCommand,
  DeleteRepositoryPolicyCommand,
  GetLifecyclePolicyCommand,
  GetRepositoryPolicyCommand,
  PutLifecyclePolicyCommand,
  SetRepositoryPolicyCommand,
  type ECRClient,
} from '@aws-sdk/client-ecr';
import { ecrCall, unlessNotFound } from './classify.js';
import type { CopiedPolicies } from './marker.js';
import { policyFingerprint } from './policy-hash.js';

export type PolicyKind = keyof CopiedPolicies;
export const POLICY_KINDS: readonly PolicyKind[] = ['repositoryPolicy', 'lifecyclePolicy'];

/** A repository's policy texts; undefined where it has none. */
export type PolicyTexts = Readonly<Record<PolicyKind, string | undefined>>;

/** Both reads run to the end before we report, so nothing is left running after a failure. */
export async function readPolicies(ecr: ECRClient, repository: string, isBaseRepository = false): Promise<PolicyTexts> {
  const [repositoryPolicy, lifecyclePolicy] = await settled([
    readRepositoryPolicy(ecr, repository, isBaseRepository),
    readLifecyclePolicy(ecr, repository, isBaseRepository),
  ]);
  return { repositoryPolicy, lifecyclePolicy };
}

/** Copies the base's policies onto `to` and returns the fingerprints of what was written. */
export async function copyPolicies(ecr: ECRClient, { from, to }: { from: string; to: string }): Promise<CopiedPolicies> {
  const base = await readPolicies(ecr, from, true);
  await settled(POLICY_KINDS.filter((kind) => base[kind] !== undefined).map((kind) => writePolicy(ecr, to, kind, base[kind])));
  return fingerprints(base);
}

export function fingerprints(texts: PolicyTexts): CopiedPolicies {
  return { repositoryPolicy: policyFingerprint(texts.repositoryPolicy), lifecyclePolicy: policyFingerprint(texts.lifecyclePolicy) };
}

/** Sets the policy, or deletes it when `text` is undefined (the base has none). */
export async function writePolicy(ecr: ECRClient, repository: string, kind: PolicyKind, text: string | undefined): Promise<void> {
  if (kind === 'repositoryPolicy') {
    await ecrCall({ operation: text === undefined ? 'DeleteRepositoryPolicy' : 'SetRepositoryPolicy', repository }, () =>
      text === undefined
        ? unlessNotFound('RepositoryPolicyNotFoundException', () => ecr.send(new DeleteRepositoryPolicyCommand({ repositoryName: repository })))
        : ecr.send(new SetRepositoryPolicyCommand({ repositoryName: repository, policyText: text })),
    );
    return;
  }
  await ecrCall({ operation: text === undefined ? 'DeleteLifecyclePolicy' : 'PutLifecyclePolicy', repository }, () =>
    text === undefined
      ? unlessNotFound('LifecyclePolicyNotFoundException', () => ecr.send(new DeleteLifecyclePolicyCommand({ repositoryName: repository })))
      : ecr.send(new PutLifecyclePolicyCommand({ repositoryName: repository, lifecyclePolicyText: text })),
  );
}

async function readRepositoryPolicy(ecr: ECRClient, repository: string, isBaseRepository: boolean): Promise<string | undefined> {
  return ecrCall({ operation: 'GetRepositoryPolicy', repository, isBaseRepository }, async () =>
    (await unlessNotFound('RepositoryPolicyNotFoundException', () => ecr.send(new GetRepositoryPolicyCommand({ repositoryName: repository }))))
      ?.policyText,
  );
}

async function readLifecyclePolicy(ecr: ECRClient, repository: string, isBaseRepository: boolean): Promise<string | undefined> {
  return ecrCall({ operation: 'GetLifecyclePolicy', repository, isBaseRepository }, async () =>
    (await unlessNotFound('LifecyclePolicyNotFoundException', () => ecr.send(new GetLifecyclePolicyCommand({ repositoryName: repository }))))
      ?.lifecyclePolicyText,
  );
}

async function settled<T>(promises: readonly Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(promises);
  for (const result of results) {
    if (result.status === 'rejected') throw result.reason;
  }
  return results.map((result) => (result as PromiseFulfilledResult<T>).value);
}
