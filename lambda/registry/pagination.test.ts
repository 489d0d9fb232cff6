import { describe, expect, it } from 'vitest';
import { nextLink, nextPageUrl } from './pagination.js';

const request = new URL('https://cr.root.io/v2/python/tags/list?n=2');

describe('nextLink', () => {
  it.each([
    ['</v2/python/tags/list?last=b&n=2>; rel="next"', '/v2/python/tags/list?last=b&n=2'],
    ['</v2/x?n=2>; rel=next', '/v2/x?n=2'],
    ['</a>; rel="prev", </b>; rel="next"', '/b'],
    ['</a>; rel="prev next"', '/a'],
    ['</a>; title="next"; rel="prev"', undefined],
    ['</a>; rel="nextish"', undefined],
    ['garbage', undefined],
    [undefined, undefined],
  ])('reads %j', (header, expected) => {
    expect(nextLink(header)).toBe(expected);
  });
});

describe('nextPageUrl', () => {
  it('follows the Link header, resolved against the request', () => {
    expect(nextPageUrl(request, '</v2/python/tags/list?last=b&n=2>; rel="next"', ['a', 'b'], 2)?.href).toBe(
      'https://cr.root.io/v2/python/tags/list?last=b&n=2',
    );
  });

  it('asks for the page after a full one with last= when there is no Link', () => {
    expect(nextPageUrl(request, undefined, ['a', 'b'], 2)?.href).toBe('https://cr.root.io/v2/python/tags/list?n=2&last=b');
  });

  it('asks on after a short page too, since registries cap n without saying so', () => {
    expect(nextPageUrl(request, undefined, ['a'], 2)?.href).toBe('https://cr.root.io/v2/python/tags/list?n=2&last=a');
  });

  it('trusts a missing Link as the end once the registry has paged with Link headers', () => {
    expect(nextPageUrl(request, undefined, ['a', 'b'], 2, true)).toBeUndefined();
  });

  it('ends on an empty page, or when the registry ignored n and sent everything', () => {
    expect(nextPageUrl(request, undefined, ['a', 'b', 'c'], 2)).toBeUndefined();
    expect(nextPageUrl(request, undefined, [], 2)).toBeUndefined();
  });

  it('refuses a link to another host or another listing: credentials would follow it', () => {
    expect(() => nextPageUrl(request, '<https://evil.example/v2/python/tags/list?n=2>; rel="next"', ['a', 'b'], 2)).toThrow(/leaves/);
    expect(() => nextPageUrl(request, '</v2/other/tags/list?n=2>; rel="next"', ['a', 'b'], 2)).toThrow(/leaves/);
  });
});
