import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from './error-codes.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
/** `code → class` from the README's error-code table. */
const documented = new Map(
  [...readme.matchAll(/^\| `([A-Z0-9_]+)` \| (transient|permanent|varies) \|/gm)].map((m) => [m[1]!, m[2]!] as const),
);

describe('the error-code catalogue', () => {
  it('is documented in the README, code by code, with its class', () => {
    const catalogued = Object.entries(ERROR_CODES).map(([code, entry]) => [code, entry.failureClass]);
    expect([...documented.entries()]).toEqual(catalogued);
  });

  it('has no dead entries: every catalogued code is raised somewhere in lambda/', () => {
    const sources = readdirSync(new URL('.', import.meta.url), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'error-codes.ts')
      .map((f) => readFileSync(new URL(f, import.meta.url), 'utf8'))
      .join('\n');
    expect(Object.keys(ERROR_CODES).filter((code) => !sources.includes(`'${code}'`))).toEqual([]);
  });
});
