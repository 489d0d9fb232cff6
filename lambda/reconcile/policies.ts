import { DescribeRepositoriesCommand, type ECRClient } from '@aws-sdk/client-ecr';
import { ecrCall, unlessNotFound } from '../ecr/classify.js';
import { propagateBasePolicies, readBasePolicies } from '../ecr/propagate-policies.js';

/**
 * Base-policy propagation for one reconcile run: the base repository's policies are read once,
 * then each mirrored repository is brought up to them (or reported as drift) by
 * propagateBasePolicies. A repository that vanished since it was listed is skipped.
 */
export function propagationForRun(ecr: ECRClient, baseRepository: string): (repository: string) => Promise<void> {
  let basePolicies: ReturnType<typeof readBasePolicies> | undefined;
  return async (repository) => {
    const found = await ecrCall({ operation: 'DescribeRepositories', repository }, () =>
      unlessNotFound('RepositoryNotFoundException', () => ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [repository] }))),
    );
    const repositoryArn = found?.repositories?.[0]?.repositoryArn;
    if (!repositoryArn) return;
    basePolicies ??= readBasePolicies(ecr, baseRepository).catch((error: unknown) => {
      basePolicies = undefined;
      throw error;
    });
    await propagateBasePolicies(ecr, { baseRepository, repository, repositoryArn, basePolicies: await basePolicies });
  };
}
