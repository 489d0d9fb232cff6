/**
 * A fingerprint of a policy text, to tell later whether a repository still holds what we copied.
 *
 * ECR may hand a policy back formatted differently from how it was written (whitespace, key
 * order), so JSON is fingerprinted in a canonical form: keys sorted, no whitespace. Text that
 * is not JSON is fingerprinted as it is. An absent policy has its own fingerprint, `none`.
 */
import { createHash } from 'node:crypto';

export type PolicyFingerprint = string;
export const NO_POLICY: PolicyFingerprint = 'none';
/** Recorded for a policy whose copied content is not known: it never matches a policy, so that policy is never overwritten. */
export const UNKNOWN_POLICY: PolicyFingerprint = 'unknown';

/** 64 hex digits (SHA-256 of the canonical text), or `none` for an absent policy; never `unknown`. */
export function policyFingerprint(text: string | undefined): PolicyFingerprint {
  if (text === undefined) return NO_POLICY;
  return createHash('sha256').update(canonicalText(text)).digest('hex');
}

export function isPolicyFingerprint(value: string): value is PolicyFingerprint {
  return value === NO_POLICY || value === UNKNOWN_POLICY || /^[0-9a-f]{64}$/.test(value);
}

function canonicalText(text: string): string {
  try {
    return JSON.stringify(sortKeys(JSON.parse(text)));
  } catch {
    return text;
  }
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([key, inner]) => [key, sortKeys(inner)]));
}
