import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { serializeGet } from './direct-get.js';

describe('serializeGet', () => {
  it('writes the request line, host, connection: close and the headers, ended by a blank line', () => {
    const bytes = serializeGet(new URL('https://cr.example:8443/v2/a/blobs/sha256:ab?x=1&y=%2F'), { authorization: 'Bearer t.o.k', accept: '*/*' });
    expect(bytes.toString('latin1')).toBe(
      'GET /v2/a/blobs/sha256:ab?x=1&y=%2F HTTP/1.1\r\nhost: cr.example:8443\r\nconnection: close\r\nauthorization: Bearer t.o.k\r\naccept: */*\r\n\r\n',
    );
  });

  it('refuses any header value with a CR, LF or NUL, so a hostile token cannot add a header or a request', () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom('\r', '\n', '\0', '\r\n'), fc.string(), (before, bad, after) => {
        expect(() => serializeGet(new URL('http://127.0.0.1:1/v2/'), { authorization: `Bearer ${before}${bad}${after}` })).toThrow(/not allowed in a header/);
      }),
    );
    expect(() => serializeGet(new URL('http://127.0.0.1:1/v2/'), { 'bad name': 'x' })).toThrow(/not allowed in a header/);
  });
});
