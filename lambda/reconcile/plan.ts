import type { PlanEntry } from './summary.js';

/** A tag Root lists and the digest it resolves to. */
export interface SourceTag {
  readonly tag: string;
  readonly digest: string;
}

/**
 * The tags to mirror for one repository: those the destination lacks, or holds at another
 * digest. Tags only the destination has are not looked at: nothing is ever deleted.
 */
export function planRepository(
  repository: string,
  source: readonly SourceTag[],
  destination: ReadonlyMap<string, string>,
): { plan: PlanEntry[]; inSync: number } {
  const plan: PlanEntry[] = [];
  let inSync = 0;
  for (const { tag, digest } of source) {
    const held = destination.get(tag);
    if (held === digest) inSync += 1;
    else plan.push({ repository, tag, digest, reason: held === undefined ? 'missing' : 'outdated' });
  }
  return { plan, inSync };
}
