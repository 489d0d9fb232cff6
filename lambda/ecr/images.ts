/**
 * What a mirrored repository holds, read through the ECR API (ecr:ListImages on the
 * mirrored repositories, ecr:DescribeRepositories): a thousand tags per call, where the
 * registry protocol would need a HEAD per tag.
 */
import { DescribeRepositoriesCommand, ListImagesCommand, type ECRClient } from '@aws-sdk/client-ecr';
import { ecrCall, unlessNotFound } from './classify.js';

const PAGE = 1000;

/** Tag to manifest digest of every tagged image; undefined when the repository does not exist. */
export async function listImageTags(ecr: ECRClient, repository: string): Promise<Map<string, string> | undefined> {
  const tags = new Map<string, string>();
  let nextToken: string | undefined;
  do {
    const token = nextToken;
    const page = await ecrCall({ operation: 'ListImages', repository }, () =>
      unlessNotFound('RepositoryNotFoundException', () =>
        ecr.send(new ListImagesCommand({ repositoryName: repository, filter: { tagStatus: 'TAGGED' }, maxResults: PAGE, ...(token ? { nextToken: token } : {}) })),
      ),
    );
    if (!page) return undefined;
    for (const id of page.imageIds ?? []) if (id.imageTag && id.imageDigest) tags.set(id.imageTag, id.imageDigest);
    nextToken = page.nextToken;
  } while (nextToken);
  return tags;
}

/** Names of the account's repositories below `prefix/` (e.g. `root-mirror/python`), every page. */
export async function listRepositoriesBelow(ecr: ECRClient, prefix: string): Promise<string[]> {
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const token = nextToken;
    const page = await ecrCall({ operation: 'DescribeRepositories' }, () =>
      ecr.send(new DescribeRepositoriesCommand({ maxResults: PAGE, ...(token ? { nextToken: token } : {}) })),
    );
    for (const repository of page.repositories ?? []) {
      const name = repository.repositoryName;
      if (name?.startsWith(`${prefix}/`)) names.push(name);
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return names;
}
