/**
 * Base-policy propagation: keeps a mirrored repository's repository policy and lifecycle
 * policy equal to the base repository's, without ever overwriting a policy someone changed.
 *
 * For each of the two policies, the repository's marker tag (marker.ts) holds the fingerprint
 * of the text we last copied. A policy that still matches it is ours and is brought up to the
 * base's (set, or deleted when the base has none); one that matches neither it nor the base
 * was changed by hand and is left alone: that is drift, logged with the repository's name and
 * counted in the `PolicyDrift` metric. A repository without the marker was not created by us
 * and is not touched; one whose marker predates fingerprints adopts the base's fingerprint
 * when the policies already agree, and otherwise reports drift.
 *
 * ECR calls: ListTagsForResource, Get/Set/DeleteRepositoryPolicy, Get/Put/DeleteLifecyclePolicy
 * (on the mirrored repository; the base is only read), TagResource. A repository in step costs
 * three reads (two for the base when `basePolicies` is not passed) and writes nothing.
 */
import type { ECRClient } from '@aws-sdk/client-ecr';
import { logger } from '../log.js';
import { metrics, MetricUnit } from '../metrics.js';
import { formatMarker, markPoliciesCopied, readMarker, type CopiedPolicies } from './marker.js';
import { fingerprints, POLICY_KINDS, readPolicies, writePolicy, type PolicyKind, type PolicyTexts } from './policies.js';
import { policyFingerprint, UNKNOWN_POLICY } from './policy-hash.js';

export const POLICY_DRIFT_METRIC = 'PolicyDrift';

export interface PropagateBasePoliciesInput {
  /** The base repository (`dst_repo`), whose policies are the reference. */
  readonly baseRepository: string;
  /** The mirrored repository, e.g. `root-mirror/python`. */
  readonly repository: string;
  /** Its ARN, as DescribeRepositories returns it: the marker tag is read through it. */
  readonly repositoryArn: string;
  /** The base's policies when the caller has read them already (one read for many repositories). */
  readonly basePolicies?: PolicyTexts;
}

/**
 * - `in-sync`: already the base's.
 * - `updated`: was what we last copied, now the base's.
 * - `drift`: changed by hand (or of unknown origin): left alone.
 */
export type PolicyOutcome = 'in-sync' | 'updated' | 'drift';

export interface PolicyPropagation {
  readonly repository: string;
  /** False when the repository carries no marker (not created by us): nothing was read or written. */
  readonly managed: boolean;
  readonly repositoryPolicy?: PolicyOutcome;
  readonly lifecyclePolicy?: PolicyOutcome;
  /** The policies left alone because they were changed by hand. */
  readonly drift: readonly PolicyKind[];
}

/** Reads the base repository's policies once, to pass to many propagateBasePolicies calls. */
export function readBasePolicies(ecr: ECRClient, baseRepository: string): Promise<PolicyTexts> {
  return readPolicies(ecr, baseRepository, true);
}

/**
 * Brings one mirrored repository's policies up to the base repository's where they still hold
 * what we last copied; reports the rest as drift. Idempotent: safe to run from several workers
 * and reconciles at once. Throws EcrError (transient or permanent) when ECR refuses a call.
 */
export async function propagateBasePolicies(ecr: ECRClient, input: PropagateBasePoliciesInput): Promise<PolicyPropagation> {
  const { repository, repositoryArn } = input;
  const marker = await readMarker(ecr, repositoryArn, repository);
  if (marker.state === 'absent') return { repository, managed: false, drift: [] };

  const [base, current] = await Promise.all([
    input.basePolicies ?? readBasePolicies(ecr, input.baseRepository),
    readPolicies(ecr, repository),
  ]);
  const wanted = fingerprints(base);
  // A pending marker is a copy that never finished: everything there is ours to overwrite.
  const recorded: Partial<CopiedPolicies> = marker.state === 'pending' ? fingerprints(current) : (marker.copied ?? {});

  const outcomes = {} as Record<PolicyKind, PolicyOutcome>;
  const next = { ...wanted };
  await Promise.all(
    POLICY_KINDS.map(async (kind) => {
      const held = policyFingerprint(current[kind]);
      if (held === wanted[kind]) {
        outcomes[kind] = 'in-sync';
      } else if (held === recorded[kind]) {
        await writePolicy(ecr, repository, kind, base[kind]);
        outcomes[kind] = 'updated';
      } else {
        outcomes[kind] = 'drift';
        // Keep what we know we copied, so the policy is ours again if someone restores it;
        // never the hand-made text, which would make it look like ours next time.
        next[kind] = recorded[kind] ?? UNKNOWN_POLICY;
      }
    }),
  );

  const drift = POLICY_KINDS.filter((kind) => outcomes[kind] === 'drift');
  const unchanged = marker.state === 'copied' && marker.copied !== undefined && formatMarker(marker.copied) === formatMarker(next);
  if (!unchanged) await markPoliciesCopied(ecr, repositoryArn, repository, next);

  for (const kind of drift) {
    logger.warn('mirrored repository policy changed by hand; left alone', {
      repository,
      base_repository: input.baseRepository,
      policy: kind,
      remedy: `to take the base repository's ${kind} again, set the tag root-ecr-mirror:policies of ${repository} to "pending"`,
    });
  }
  if (drift.length > 0) metrics.addMetric(POLICY_DRIFT_METRIC, MetricUnit.Count, drift.length);
  const updated = POLICY_KINDS.filter((kind) => outcomes[kind] === 'updated');
  if (updated.length > 0) logger.info('base repository policies propagated', { repository, policies: updated });

  return { repository, managed: true, ...outcomes, drift };
}
