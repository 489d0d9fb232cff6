import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nextLink } from './link-header.js';

const base = new URL('https://registry.example/v2/app/referrers/sha256:abc');

describe('nextLink', () => {
  it('resolves a relative next link against the page URL', () => {
    expect(nextLink('</v2/app/referrers/sha256:abc?last=2>; rel="next"', base)?.href).toBe('https://registry.example/v2/app/referrers/sha256:abc?last=2');
  });

  it('finds next among several links and relation types', () => {
    const value = '<https://registry.example/prev>; rel="prev", <https://registry.example/v2/app/referrers/x?n=2>; title="p"; rel="last next"';
    expect(nextLink(value, base)?.href).toBe('https://registry.example/v2/app/referrers/x?n=2');
  });

  it('accepts an unquoted rel', () => {
    expect(nextLink('</page2>;rel=next', base)?.pathname).toBe('/page2');
  });

  it('ignores a header without next', () => {
    expect(nextLink(undefined, base)).toBeUndefined();
    expect(nextLink('</first>; rel="first"', base)).toBeUndefined();
    expect(nextLink('garbage', base)).toBeUndefined();
  });

  it('never throws, whatever the header says', () => {
    fc.assert(fc.property(fc.string(), (value) => {
      const url = nextLink(value, base);
      expect(url === undefined || url instanceof URL).toBe(true);
    }));
  });
});
