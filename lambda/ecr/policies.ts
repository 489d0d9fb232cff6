/**
 * Copies the repository policy and the lifecycle policy of the base repository onto
 * another repository. A base without a policy gives none, which is not an error.
 * Writing the same text twice is harmless, so two workers may both copy.
 */
import {
  GetLifecyclePolicyCommand,
  GetRepositoryPolicyCommand,
  PutLifecyclePolicyCommand,
  SetRepositoryPolicyCommand,
  type ECRClient,
} from '@aws-sdk/client-ecr';
import { ecrCall, unlessNotFound } from './classify.js';

export async function copyPolicies(ecr: ECRClient, { from, to }: { from: string; to: string }): Promise<void> {
  // Both copies run to the end before we report, so nothing is left running after a failure.
  const results = await Promise.allSettled([copyRepositoryPolicy(ecr, from, to), copyLifecyclePolicy(ecr, from, to)]);
  for (const result of results) {
    if (result.status === 'rejected') throw result.reason;
  }
}

async function copyRepositoryPolicy(ecr: ECRClient, from: string, to: string): Promise<void> {
  const policyText = await ecrCall({ operation: 'GetRepositoryPolicy', repository: from, isBaseRepository: true }, async () =>
    (await unlessNotFound('RepositoryPolicyNotFoundException', () => ecr.send(new GetRepositoryPolicyCommand({ repositoryName: from }))))
      ?.policyText,
  );
  if (policyText === undefined) return;
  await ecrCall({ operation: 'SetRepositoryPolicy', repository: to }, () =>
    ecr.send(new SetRepositoryPolicyCommand({ repositoryName: to, policyText })),
  );
}

async function copyLifecyclePolicy(ecr: ECRClient, from: string, to: string): Promise<void> {
  const lifecyclePolicyText = await ecrCall({ operation: 'GetLifecyclePolicy', repository: from, isBaseRepository: true }, async () =>
    (await unlessNotFound('LifecyclePolicyNotFoundException', () => ecr.send(new GetLifecyclePolicyCommand({ repositoryName: from }))))
      ?.lifecyclePolicyText,
  );
  if (lifecyclePolicyText === undefined) return;
  await ecrCall({ operation: 'PutLifecyclePolicy', repository: to }, () =>
    ecr.send(new PutLifecyclePolicyCommand({ repositoryName: to, lifecyclePolicyText })),
  );
}
