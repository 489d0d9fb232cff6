/**
 * The tag that records whether a repository we created has received its policies, and which.
 *
 * We create repositories already tagged `pending` (tags are applied atomically with the
 * creation) and set the tag to `copied:<repository policy>:<lifecycle policy>` after the
 * policies are in place, each the fingerprint of the text we wrote (policy-hash.ts). A crash
 * in between leaves `pending`, which the next attempt sees and finishes. The fingerprints let
 * base-policy propagation tell a policy we copied from one changed by hand. A plain `copied`
 * (written before fingerprints were recorded) says the copy happened but not what it held.
 * A repository without the tag was not created by us and is never modified.
 *
 * An operator who wants a repository to take the base's policies again, discarding hand
 * edits, sets the tag to `pending`.
 */
import { ListTagsForResourceCommand, TagResourceCommand, type ECRClient, type Tag } from '@aws-sdk/client-ecr';
import { ecrCall } from './classify.js';
import { isPolicyFingerprint, type PolicyFingerprint } from './policy-hash.js';

export const POLICIES_TAG_KEY = 'root-ecr-mirror:policies';
export const POLICIES_PENDING = 'pending';
export const POLICIES_COPIED = 'copied';

export const pendingPoliciesTag: Tag = { Key: POLICIES_TAG_KEY, Value: POLICIES_PENDING };

/** Fingerprints of the two policies as last copied from the base repository. */
export interface CopiedPolicies {
  readonly repositoryPolicy: PolicyFingerprint;
  readonly lifecyclePolicy: PolicyFingerprint;
}

export type PoliciesMarker =
  /** Not created by us: never modified. */
  | { readonly state: 'absent' }
  | { readonly state: 'pending' }
  /** `copied` is undefined for a marker written before fingerprints were recorded. */
  | { readonly state: 'copied'; readonly copied?: CopiedPolicies };

export function formatMarker(copied: CopiedPolicies): string {
  return `${POLICIES_COPIED}:${copied.repositoryPolicy}:${copied.lifecyclePolicy}`;
}

/** Any value we do not recognise is treated as ours but of unknown content, so nothing is overwritten. */
export function parseMarker(value: string | undefined): PoliciesMarker {
  if (value === undefined) return { state: 'absent' };
  if (value === POLICIES_PENDING) return { state: 'pending' };
  const [word, repositoryPolicy, lifecyclePolicy, ...rest] = value.split(':');
  if (
    word === POLICIES_COPIED &&
    rest.length === 0 &&
    repositoryPolicy !== undefined &&
    lifecyclePolicy !== undefined &&
    isPolicyFingerprint(repositoryPolicy) &&
    isPolicyFingerprint(lifecyclePolicy)
  ) {
    return { state: 'copied', copied: { repositoryPolicy, lifecyclePolicy } };
  }
  return { state: 'copied' };
}

export async function readMarker(ecr: ECRClient, repositoryArn: string, repository: string): Promise<PoliciesMarker> {
  const { tags } = await ecrCall({ operation: 'ListTagsForResource', repository }, () =>
    ecr.send(new ListTagsForResourceCommand({ resourceArn: repositoryArn })),
  );
  return parseMarker((tags ?? []).find((tag) => tag.Key === POLICIES_TAG_KEY)?.Value);
}

/** Rewriting rather than removing needs no ecr:UntagResource and keeps who created the repository visible. */
export async function markPoliciesCopied(ecr: ECRClient, repositoryArn: string, repository: string, copied: CopiedPolicies): Promise<void> {
  await ecrCall({ operation: 'TagResource', repository }, () =>
    ecr.send(new TagResourceCommand({ resourceArn: repositoryArn, tags: [{ Key: POLICIES_TAG_KEY, Value: formatMarker(copied) }] })),
  );
}
