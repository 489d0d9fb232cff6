import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALLOWED_REPO_ENTRY_PATTERN, allowedRepoEntryProblem, exactRepositories, isAllowed, needsListing, parseAllowedRepos } from './allowed-repos.js';

const component = fc.stringMatching(/^[a-z0-9]{1,6}(?:[._-][a-z0-9]{1,6}){0,2}$/);
const repository = fc.array(component, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('/'));

/** An independent glob matcher (`*` matches any run of characters), to check the compiled regexes against. */
function globMatches(glob: string, text: string): boolean {
  const [head, ...rest] = glob.split('*');
  if (rest.length === 0) return glob === text;
  if (!text.startsWith(head ?? '')) return false;
  const remainder = rest.join('*');
  for (let i = (head ?? '').length; i <= text.length; i++) {
    if (globMatches(remainder, text.slice(i))) return true;
  }
  return false;
}

describe('parseAllowedRepos', () => {
  it('splits on commas, trims, and drops empty entries', () => {
    expect(parseAllowedRepos(' library/* , python*,,golang ,').entries).toEqual(['library/*', 'python*', 'golang']);
  });

  it.each([undefined, '', '  ', ' , ,'])('allows everything for %j', (value) => {
    const allowed = parseAllowedRepos(value);
    expect(allowed.entries).toEqual([]);
    expect(isAllowed(allowed, 'library/nginx')).toBe(true);
  });

  it('matches exact names and globs, where * crosses /', () => {
    const allowed = parseAllowedRepos('library/*,python*,golang');
    expect(isAllowed(allowed, 'library/nginx')).toBe(true);
    expect(isAllowed(allowed, 'library/a/b')).toBe(true);
    expect(isAllowed(allowed, 'python')).toBe(true);
    expect(isAllowed(allowed, 'python-slim/x')).toBe(true);
    expect(isAllowed(allowed, 'golang')).toBe(true);
    expect(isAllowed(allowed, 'golang-alpine')).toBe(false);
    expect(isAllowed(allowed, 'library')).toBe(false);
    expect(isAllowed(allowed, 'mylibrary/nginx')).toBe(false);
    expect(isAllowed(allowed, 'cpython')).toBe(false);
  });

  it('treats characters that are special in regexes literally', () => {
    const allowed = parseAllowedRepos('a.b,c-d*');
    expect(isAllowed(allowed, 'a.b')).toBe(true);
    expect(isAllowed(allowed, 'axb')).toBe(false);
    expect(isAllowed(allowed, 'c-dx')).toBe(true);
  });

  it.each([
    ['Python', 'is not REPOSITORY[:TAG]'],
    ['lib(rary)?', 'is not REPOSITORY[:TAG]'],
    ['lib rary', 'is not REPOSITORY[:TAG]'],
    ['python:3.12:x', 'is not REPOSITORY[:TAG]'],
    ['python:', 'is not REPOSITORY[:TAG]'],
    [':3.12', 'is not REPOSITORY[:TAG]'],
    ['python:-x*', 'has a tag part that is neither a tag nor a glob of one'],
    ['python:.x', 'has a tag part that is neither a tag nor a glob of one'],
    [`python:${'a'.repeat(129)}`, 'has a tag part that is neither a tag nor a glob of one'],
    ['library/', 'is neither a repository name nor a glob of one'],
    ['/library', 'is neither a repository name nor a glob of one'],
    ['library//nginx', 'is neither a repository name nor a glob of one'],
    ['library/../x', 'is neither a repository name nor a glob of one'],
    ['.*', 'is neither a repository name nor a glob of one'],
  ])('refuses the entry %j, naming it', (entry, problem) => {
    expect(() => parseAllowedRepos(`golang,${entry}`)).toThrow(`entry ${JSON.stringify(entry)} ${problem}`);
  });

  it('matches many stars quickly, where a .* regex would backtrack for minutes', () => {
    const allowed = parseAllowedRepos(`${'a*'.repeat(30)}b`);
    const started = performance.now();
    expect(isAllowed(allowed, 'a'.repeat(250))).toBe(false);
    expect(isAllowed(allowed, `${'a'.repeat(250)}b`)).toBe(true);
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('does not let the first and last literals overlap', () => {
    expect(isAllowed(parseAllowedRepos('ab*ba'), 'aba')).toBe(false);
    expect(isAllowed(parseAllowedRepos('ab*ba'), 'abba')).toBe(true);
    expect(isAllowed(parseAllowedRepos('a*b*b'), 'ab')).toBe(false);
  });
});

describe('tag globs', () => {
  it('allows only the matching tags of a repository named with a tag glob', () => {
    const allowed = parseAllowedRepos('python:3.12-*,golang');
    expect(isAllowed(allowed, 'python')).toBe(true);
    expect(isAllowed(allowed, 'python', '3.12-slim')).toBe(true);
    expect(isAllowed(allowed, 'python', '3.11-slim')).toBe(false);
    expect(isAllowed(allowed, 'python', '3.12')).toBe(false);
    expect(isAllowed(allowed, 'golang', 'anything')).toBe(true);
    expect(isAllowed(allowed, 'ruby', '3.12-x')).toBe(false);
  });

  it('takes the union of several entries for one repository, and an entry without tag glob allows every tag', () => {
    expect(isAllowed(parseAllowedRepos('python:3.12-*,python:3.13-*'), 'python', '3.13-root')).toBe(true);
    expect(isAllowed(parseAllowedRepos('python:3.12-*,python:3.13-*'), 'python', '3.11-root')).toBe(false);
    expect(isAllowed(parseAllowedRepos('python:3.12-*,python'), 'python', '3.11-root')).toBe(true);
  });

  it('combines a repository glob with a tag glob, and tags are case-sensitive', () => {
    const allowed = parseAllowedRepos('library/*:*-Root');
    expect(isAllowed(allowed, 'library/nginx', '1.25-Root')).toBe(true);
    expect(isAllowed(allowed, 'library/nginx', '1.25-root')).toBe(false);
    expect(isAllowed(allowed, 'other/nginx', '1.25-Root')).toBe(false);
  });

  it('lists exact repositories once and says when a listing is needed', () => {
    expect(exactRepositories(parseAllowedRepos('python:3.12-*,python:3.13-*,golang,library/*'))).toEqual(['python', 'golang']);
    expect(needsListing(parseAllowedRepos('python:3.12-*,golang'))).toBe(false);
    expect(needsListing(parseAllowedRepos('python,library/*'))).toBe(true);
    expect(needsListing(parseAllowedRepos(''))).toBe(true);
  });

  it('keeps the grammar in one pattern that agrees with the parser on every entry it accepts', () => {
    const re = new RegExp(ALLOWED_REPO_ENTRY_PATTERN);
    const entry = fc.tuple(repository, fc.option(fc.stringMatching(/^[A-Za-z0-9_*][A-Za-z0-9._*-]{0,20}$/))).map(([r, t]) => (t === null ? r : `${r}:${t}`));
    fc.assert(
      fc.property(entry, (e) => {
        expect(re.test(e)).toBe(true);
        expect(allowedRepoEntryProblem(e)).toBeUndefined();
      }),
    );
  });
});

describe('allowlist properties', () => {
  it('an empty list allows every repository', () => {
    fc.assert(
      fc.property(repository, (repo) => {
        expect(isAllowed(parseAllowedRepos(''), repo)).toBe(true);
      }),
    );
  });

  it('an exact entry allows that repository and no other', () => {
    fc.assert(
      fc.property(repository, repository, (entry, other) => {
        const allowed = parseAllowedRepos(entry);
        expect(isAllowed(allowed, entry)).toBe(true);
        expect(isAllowed(allowed, other)).toBe(other === entry);
      }),
    );
  });

  it('a prefix glob allows exactly the repositories with that prefix', () => {
    fc.assert(
      fc.property(repository, repository, (prefix, repo) => {
        const allowed = parseAllowedRepos(`${prefix}*`);
        expect(isAllowed(allowed, repo)).toBe(repo.startsWith(prefix));
        expect(isAllowed(allowed, `${prefix}/${repo}`)).toBe(true);
      }),
    );
  });

  it('agrees with an independent glob matcher', () => {
    // A small alphabet, so that globs and names often overlap.
    const piece = fc.constantFrom('a', 'b', '.', '-', '/', 'ab', 'a.b');
    const glob = fc
      .array(fc.oneof(piece, fc.constant('*')), { minLength: 1, maxLength: 6 })
      .map((parts) => parts.join(''))
      .filter((g) => {
        try {
          parseAllowedRepos(g);
          return true;
        } catch {
          return false;
        }
      });
    const name = fc.array(fc.constantFrom('a', 'b', '.', '-', '/'), { minLength: 1, maxLength: 8 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(glob, name, (g, n) => {
        expect(isAllowed(parseAllowedRepos(g), n)).toBe(globMatches(g, n));
      }),
    );
  });

  it('ignores order and surrounding spaces of entries', () => {
    fc.assert(
      fc.property(fc.array(repository, { minLength: 1, maxLength: 5 }), repository, fc.nat(), (entries, repo, seed) => {
        const shuffled = [...entries].sort((a, b) => ((a.length * 31 + seed) % 7) - ((b.length * 31 + seed) % 7));
        const padded = shuffled.map((entry) => ` ${entry}  `).join(',');
        expect(isAllowed(parseAllowedRepos(padded), repo)).toBe(isAllowed(parseAllowedRepos(entries.join(',')), repo));
      }),
    );
  });

  it('refuses every entry with a character outside the grammar, naming the entry', () => {
    const bad = fc
      .tuple(repository, fc.string({ minLength: 1, maxLength: 3 }).filter((s) => /[^a-z0-9._/*-]/.test(s) && !/[\s,:]/.test(s)), repository)
      .map(([a, b, c]) => `${a}${b}${c}`);
    fc.assert(
      fc.property(bad, (entry) => {
        expect(() => parseAllowedRepos(entry)).toThrow(JSON.stringify(entry.trim()));
      }),
    );
  });
});
