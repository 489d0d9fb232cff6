/**
 * The tag that records whether a repository we created has received its policies.
 *
 * We create repositories already tagged `pending` (tags are applied atomically with the
 * creation) and flip the tag to `copied` after the policies are in place. A crash in
 * between leaves `pending`, which the next attempt sees and finishes; a repository
 * without the tag was not created by us and is never modified.
 */
import { ListTagsForResourceCommand, TagResourceCommand, type ECRClient, type Tag } from '@aws-sdk/client-ecr';
import { ecrCall } from './classify.js';

export const POLICIES_TAG_KEY = 'root-ecr-mirror:policies';
export const POLICIES_PENDING = 'pending';
export const POLICIES_COPIED = 'copied';

export const pendingPoliciesTag: Tag = { Key: POLICIES_TAG_KEY, Value: POLICIES_PENDING };

export async function policiesPending(ecr: ECRClient, repositoryArn: string, repository: string): Promise<boolean> {
  const { tags } = await ecrCall({ operation: 'ListTagsForResource', repository }, () =>
    ecr.send(new ListTagsForResourceCommand({ resourceArn: repositoryArn })),
  );
  return (tags ?? []).some((tag) => tag.Key === POLICIES_TAG_KEY && tag.Value === POLICIES_PENDING);
}

/** Flipping rather than removing needs no ecr:UntagResource and keeps who created the repository visible. */
export async function markPoliciesCopied(ecr: ECRClient, repositoryArn: string, repository: string): Promise<void> {
  await ecrCall({ operation: 'TagResource', repository }, () =>
    ecr.send(new TagResourceCommand({ resourceArn: repositoryArn, tags: [{ Key: POLICIES_TAG_KEY, Value: POLICIES_COPIED }] })),
  );
}
