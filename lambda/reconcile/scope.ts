import { errorMessage } from '../errors.js';
import { exactRepositories, isAllowed, needsListing, type AllowedRepos } from '../webhook/allowed-repos.js';

/** Which repositories, and which of their tags, one reconcile looks at. */
export interface ScopeFilter {
  /** allowed_repos: the boundary nothing widens. */
  readonly allowed: AllowedRepos;
  /** The request's narrowing entries (event `repos`, CLI arguments), if any. */
  readonly requested?: AllowedRepos;
}

export function repositoryInScope(filter: ScopeFilter, repository: string): boolean {
  return isAllowed(filter.allowed, repository) && (!filter.requested || isAllowed(filter.requested, repository));
}

export function tagInScope(filter: ScopeFilter, repository: string, tag: string): boolean {
  return isAllowed(filter.allowed, repository, tag) && (!filter.requested || isAllowed(filter.requested, repository, tag));
}

export interface ScopeSources {
  /** Root's `_catalog`, every page. */
  readonly catalog: () => Promise<string[]>;
  /** Root repository names already mirrored below the base repository. */
  readonly mirrored: () => Promise<string[]>;
  /**
   * Turns a catalog failure into a failure of the whole reconcile (Root unreachable, no key),
   * or returns undefined when it is only a refusal to list, which the summary notes once.
   */
  readonly fatal: (error: unknown) => Error | undefined;
}

export interface Scope {
  readonly repositories: string[];
  readonly notes: string[];
}

/**
 * The repositories to check, sorted: the exact names asked for; for globs and an empty
 * allowlist also Root's catalog and what is mirrored already, each filtered by the allowlist.
 * A follow-up invocation checks exactly the names it was handed, still filtered.
 */
export async function resolveScope(filter: ScopeFilter, sources: ScopeSources, continueWith?: readonly string[]): Promise<Scope> {
  const inScope = (repository: string) => repositoryInScope(filter, repository);
  if (continueWith) return { repositories: sorted(continueWith.filter(inScope)), notes: [] };
  const asked = filter.requested ?? filter.allowed;
  const names = new Set(exactRepositories(asked).filter(inScope));
  const notes: string[] = [];
  if (needsListing(asked)) {
    const [catalog, mirrored] = await Promise.allSettled([sources.catalog(), sources.mirrored()]);
    if (catalog.status === 'fulfilled') catalog.value.filter(inScope).forEach((name) => names.add(name));
    else {
      const fatal = sources.fatal(catalog.reason);
      if (fatal) throw fatal;
      notes.push(
        `Root's registry refused to list its repositories (${errorMessage(catalog.reason)}): reconciled only the exact names in allowed_repos ` +
          'and the repositories already mirrored; name others exactly to include them',
      );
    }
    if (mirrored.status === 'fulfilled') mirrored.value.filter(inScope).forEach((name) => names.add(name));
    else notes.push(`could not list the repositories already mirrored (${errorMessage(mirrored.reason)}): they are reconciled only when Root's catalog names them`);
  }
  return { repositories: sorted(names), notes };
}

function sorted(names: Iterable<string>): string[] {
  return [...new Set(names)].sort();
}
