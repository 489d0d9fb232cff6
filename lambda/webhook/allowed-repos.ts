import { isValidRepository } from '../registry/reference.js';

/** Which Root image repositories to mirror. No entries means all of them. */
export interface AllowedRepos {
  /** The entries as configured: exact names, or globs where `*` matches anything, `/` included. */
  readonly entries: readonly string[];
  /** Each entry split at its stars: `library/*` is `['library/', '']`. */
  readonly globs: readonly (readonly string[])[];
}

const ENTRY_CHARACTERS_RE = /^[a-z0-9._/*-]+$/;

/** Parses a comma-separated allowlist such as `library/*, python*, golang`; throws on a bad entry. */
export function parseAllowedRepos(value: string | undefined): AllowedRepos {
  const entries = (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  for (const entry of entries) checkEntry(entry);
  return { entries, globs: entries.map((entry) => entry.split('*')) };
}

export function isAllowed(allowed: AllowedRepos, imageRepo: string): boolean {
  return allowed.entries.length === 0 || allowed.globs.some((glob) => matchesGlob(glob, imageRepo));
}

function checkEntry(entry: string): void {
  if (!ENTRY_CHARACTERS_RE.test(entry)) {
    throw new Error(`allowed repository entry ${JSON.stringify(entry)} has characters other than [a-z0-9._/-] and *`);
  }
  // With each `*` standing for one letter, an entry that can match anything is a repository name.
  if (!isValidRepository(entry.replaceAll('*', 'a'))) {
    throw new Error(
      `allowed repository entry ${JSON.stringify(entry)} is neither a repository name nor a glob of one (e.g. library/*, python*)`,
    );
  }
}

/**
 * Matches without a RegExp: `a*a*a*…b` compiled to `.*` backtracks for minutes on a long name.
 * Taking each middle literal at its leftmost place is optimal for `*` globs, so this is O(n·m).
 */
function matchesGlob(literals: readonly string[], text: string): boolean {
  const first = literals[0] ?? '';
  if (literals.length === 1) return text === first;
  const last = literals[literals.length - 1] ?? '';
  if (text.length < first.length + last.length || !text.startsWith(first) || !text.endsWith(last)) return false;
  let at = first.length;
  const end = text.length - last.length;
  for (const literal of literals.slice(1, -1)) {
    const found = text.indexOf(literal, at);
    if (found < 0 || found + literal.length > end) return false;
    at = found + literal.length;
  }
  return true;
}
