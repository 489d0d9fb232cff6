import { isValidRepository, isValidTag } from '../registry/reference.js';

/**
 * Which Root images to mirror. No entries means all of them.
 *
 * An entry is `REPOSITORY-GLOB[:TAG-GLOB]`: `golang`, `library/*`, `python:3.12-*`. `*` matches
 * any run of characters (`/` included in a repository). An entry without a tag glob allows every
 * tag of the repositories it matches; several entries for one repository allow the union.
 */
export interface AllowedRepos {
  /** The entries as configured. */
  readonly entries: readonly string[];
  readonly rules: readonly AllowedRule[];
}

export interface AllowedRule {
  readonly entry: string;
  /** The repository glob split at its stars: `library/*` is `['library/', '']`; one literal when exact. */
  readonly repository: readonly string[];
  /** The tag glob split at its stars; undefined when every tag is allowed. */
  readonly tag?: readonly string[];
}

/**
 * The entry grammar as one regular expression, for validators elsewhere (Terraform's
 * `allowed_repos` validation mirrors it). `allowedRepoEntryProblem` adds the one rule a
 * regex cannot say cleanly: with each `*` read as a letter, the parts are a repository name and a tag.
 */
export const ALLOWED_REPO_ENTRY_PATTERN = '^[a-z0-9._/*-]+(:[A-Za-z0-9._*-]+)?$';
const ENTRY_RE = new RegExp(ALLOWED_REPO_ENTRY_PATTERN);

/** What is wrong with one allowlist entry, or undefined when it is valid. */
export function allowedRepoEntryProblem(entry: string): string | undefined {
  const quoted = JSON.stringify(entry);
  if (!ENTRY_RE.test(entry)) {
    return `allowed repository entry ${quoted} is not REPOSITORY[:TAG] of [a-z0-9._/-] and [A-Za-z0-9._-], with * as a wildcard`;
  }
  const [repository = '', tag] = entry.split(':');
  // With each `*` standing for one letter, an entry that can match anything is a name.
  if (!isValidRepository(repository.replaceAll('*', 'a'))) {
    return `allowed repository entry ${quoted} is neither a repository name nor a glob of one (e.g. library/*, python*)`;
  }
  if (tag !== undefined && !isValidTag(tag.replaceAll('*', 'a'))) {
    return `allowed repository entry ${quoted} has a tag part that is neither a tag nor a glob of one (e.g. python:3.12-*)`;
  }
  return undefined;
}

/** Parses a comma-separated allowlist such as `library/*, python:3.12-*, golang`; throws on a bad entry. */
export function parseAllowedRepos(value: string | undefined): AllowedRepos {
  const entries = (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  for (const entry of entries) {
    const problem = allowedRepoEntryProblem(entry);
    if (problem) throw new Error(problem);
  }
  return { entries, rules: entries.map(toRule) };
}

function toRule(entry: string): AllowedRule {
  const [repository = '', tag] = entry.split(':');
  return { entry, repository: repository.split('*'), ...(tag === undefined ? {} : { tag: tag.split('*') }) };
}

/**
 * Whether Root's `imageRepo` is allowed: with a tag, whether that tag of it is; without one,
 * whether any of its tags may be (the repository is in scope).
 */
export function isAllowed(allowed: AllowedRepos, imageRepo: string, tag?: string): boolean {
  if (allowed.rules.length === 0) return true;
  return allowed.rules.some(
    (rule) => matchesGlob(rule.repository, imageRepo) && (tag === undefined || rule.tag === undefined || matchesGlob(rule.tag, tag)),
  );
}

/** Repository names given exactly (no `*`), in order and once each: they need no catalog to be found. */
export function exactRepositories(allowed: AllowedRepos): string[] {
  return [...new Set(allowed.rules.filter((rule) => rule.repository.length === 1).map((rule) => rule.repository[0] ?? ''))];
}

/** True when finding the repositories in scope needs a listing: an empty list or any repository glob. */
export function needsListing(allowed: AllowedRepos): boolean {
  return allowed.rules.length === 0 || allowed.rules.some((rule) => rule.repository.length > 1);
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
