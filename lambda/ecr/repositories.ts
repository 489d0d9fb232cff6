/**
 * Makes sure a destination repository exists, created as a copy of the base repository.
 *
 * ECR API calls (IAM actions `ecr:<name>`, granted by infra/iam-actions.ts and checked by infra/least-privilege.test.ts):
 * - DescribeRepositories: does the repository exist; the base's settings and ARN.
 * - CreateRepository: with the base's tag mutability, scanning and encryption, tagged `pending`.
 * - ListTagsForResource: the marker of a repository that already exists (see marker.ts).
 * - GetRepositoryPolicy / SetRepositoryPolicy, GetLifecyclePolicy / PutLifecyclePolicy: the copy.
 * - TagResource: sets the marker to `copied` with the copied policies' fingerprints (and authorizes tag-on-create).
 *
 * The usual case, a repository that exists and is finished, costs two calls and writes nothing.
 */
import { CreateRepositoryCommand, DescribeRepositoriesCommand, type ECRClient, type Repository } from '@aws-sdk/client-ecr';
import { ecrCall, isAwsError, unlessNotFound } from './classify.js';
import { baseRepositoryMissing, EcrError } from './errors.js';
import { markPoliciesCopied, pendingPoliciesTag, readMarker } from './marker.js';
import { copyPolicies } from './policies.js';

export interface EnsureRepositoryInput {
  /** The template repository; it must exist. */
  baseRepository: string;
  /** The repository to ensure, e.g. `root-mirror/python`. */
  repository: string;
}

export interface EnsureRepositoryResult {
  /** This call created the repository. */
  created: boolean;
  /** This call copied the base's policies (as many as the base has, possibly none). */
  policiesCopied: boolean;
  /** The repository's ARN, e.g. for propagateBasePolicies. */
  repositoryArn: string;
}

export async function ensureRepository(ecr: ECRClient, { baseRepository, repository }: EnsureRepositoryInput): Promise<EnsureRepositoryResult> {
  const existing = await describeRepository(ecr, repository, false);
  if (existing) return finishIfPending(ecr, baseRepository, repository, arnOf(existing, repository));

  const base = await describeRepository(ecr, baseRepository, true);
  if (!base) throw baseRepositoryMissing(baseRepository, 'DescribeRepositories');
  const arn = siblingArn(arnOf(base, baseRepository), repository);
  if (!(await createLike(ecr, repository, base))) {
    // Another worker created it since we looked: finish its copy if it has not.
    return finishIfPending(ecr, baseRepository, repository, arn);
  }
  await copyThenMark(ecr, baseRepository, repository, arn);
  return { created: true, policiesCopied: true, repositoryArn: arn };
}

async function finishIfPending(ecr: ECRClient, baseRepository: string, repository: string, arn: string): Promise<EnsureRepositoryResult> {
  if ((await readMarker(ecr, arn, repository)).state !== 'pending') return { created: false, policiesCopied: false, repositoryArn: arn };
  await copyThenMark(ecr, baseRepository, repository, arn);
  return { created: false, policiesCopied: true, repositoryArn: arn };
}

/** The marker flips only after both policies are in place, so a crash in between is retried. */
async function copyThenMark(ecr: ECRClient, baseRepository: string, repository: string, arn: string): Promise<void> {
  const copied = await copyPolicies(ecr, { from: baseRepository, to: repository });
  await markPoliciesCopied(ecr, arn, repository, copied);
}

async function describeRepository(ecr: ECRClient, name: string, isBaseRepository: boolean): Promise<Repository | undefined> {
  // Only the absence of the repository itself: a missing base is reported by our caller.
  return ecrCall({ operation: 'DescribeRepositories', repository: name, isBaseRepository }, async () =>
    (await unlessNotFound('RepositoryNotFoundException', () => ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [name] }))))
      ?.repositories?.[0],
  );
}

/** True when this call created the repository, false when it already existed. */
async function createLike(ecr: ECRClient, repository: string, base: Repository): Promise<boolean> {
  return ecrCall({ operation: 'CreateRepository', repository }, async () => {
    try {
      await ecr.send(
        new CreateRepositoryCommand({
          repositoryName: repository,
          imageTagMutability: base.imageTagMutability,
          imageTagMutabilityExclusionFilters: base.imageTagMutabilityExclusionFilters,
          imageScanningConfiguration: base.imageScanningConfiguration,
          encryptionConfiguration: base.encryptionConfiguration,
          tags: [pendingPoliciesTag],
        }),
      );
      return true;
    } catch (error) {
      if (isAwsError(error, 'RepositoryAlreadyExistsException')) return false;
      throw error;
    }
  });
}

function arnOf(repository: Repository, name: string): string {
  if (repository.repositoryArn) return repository.repositoryArn;
  throw new EcrError(`ECR returned repository "${name}" without its ARN`, { code: 'ECR_MALFORMED_RESPONSE', failureClass: 'transient', operation: 'DescribeRepositories' });
}

/** Repositories of one registry share the ARN prefix `arn:<partition>:ecr:<region>:<account>:repository/`. */
function siblingArn(baseArn: string, repository: string): string {
  const marker = ':repository/';
  return `${baseArn.slice(0, baseArn.indexOf(marker) + marker.length)}${repository}`;
}
