import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_HEAD_BYTES, MalformedHeadError, bodyFraming, parseResponseHead } from './http-head.js';

const token = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/);
const value = fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,40}[\x21-\x7e])?$/);
const head = (lines: readonly string[]) => Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');

describe('parseResponseHead', () => {
  it('reads the status and every header of any well-formed head, whatever follows it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 599 }),
        fc.uniqueArray(fc.tuple(token, value), { selector: ([name]) => name, maxLength: 20 }),
        fc.uint8Array({ maxLength: 100 }),
        (status, fields, rest) => {
          const named = fields.filter(([name]) => name !== 'set-cookie' && name !== 'content-length');
          const bytes = Buffer.concat([head([`HTTP/1.1 ${status} Whatever`, ...named.map(([n, v]) => `${n.toUpperCase()}:  ${v}\t`)]), rest]);
          const parsed = parseResponseHead(bytes)!;
          expect(parsed.status).toBe(status);
          expect(parsed.headers).toEqual(Object.fromEntries(named));
          expect(bytes.subarray(parsed.length)).toEqual(Buffer.from(rest));
        },
      ),
    );
  });

  it('waits for the blank line that ends the head', () => {
    const bytes = head(['HTTP/1.1 200 OK', 'content-length: 3']);
    for (let cut = 0; cut < bytes.length; cut++) expect(parseResponseHead(bytes.subarray(0, cut))).toBeUndefined();
    expect(parseResponseHead(bytes)?.length).toBe(bytes.length);
  });

  it('joins a repeated header, keeps set-cookie a list, and accepts a status line without a reason', () => {
    const parsed = parseResponseHead(head(['HTTP/1.0 307', 'Link: <a>', 'link: <b>', 'Set-Cookie: a=1', 'set-cookie: b=2', 'Content-Length: 0', 'content-length: 0']))!;
    expect(parsed.status).toBe(307);
    expect(parsed.headers).toEqual({ link: '<a>, <b>', 'set-cookie': ['a=1', 'b=2'], 'content-length': '0' });
  });

  it.each([
    ['not HTTP', ['SSH-2.0-OpenSSH_9.2']],
    ['HTTP/2 in text', ['HTTP/2 200']],
    ['a status of 2 digits', ['HTTP/1.1 20 OK']],
    ['a line without a colon', ['HTTP/1.1 200 OK', 'content-length 3']],
    ['an obsolete folded line', ['HTTP/1.1 200 OK', 'x-a: 1', ' folded']],
    ['white space before the colon', ['HTTP/1.1 200 OK', 'content-length : 3']],
    ['a control character in a value', ['HTTP/1.1 200 OK', 'x-a: a\x00b']],
    ['two different lengths', ['HTTP/1.1 200 OK', 'content-length: 3', 'content-length: 4']],
  ])('refuses %s', (_what, lines) => {
    expect(() => parseResponseHead(head(lines))).toThrow(MalformedHeadError);
  });

  it('refuses a head over MAX_HEAD_BYTES, ended or not', () => {
    const long = `x-long: ${'a'.repeat(MAX_HEAD_BYTES)}`;
    expect(() => parseResponseHead(Buffer.from(`HTTP/1.1 200 OK\r\n${long}`))).toThrow(/over 65536 bytes/);
    expect(() => parseResponseHead(head(['HTTP/1.1 200 OK', long]))).toThrow(/over 65536 bytes/);
  });
});

describe('bodyFraming', () => {
  const framing = (status: number, headers: Record<string, string>) => bodyFraming({ status, headers });

  it('follows RFC 9112 §6.3', () => {
    expect(framing(200, { 'content-length': '42' })).toEqual({ kind: 'length', length: 42 });
    expect(framing(200, { 'transfer-encoding': 'chunked', 'content-length': '42' })).toEqual({ kind: 'chunked' });
    expect(framing(200, { 'transfer-encoding': 'gzip, Chunked' })).toEqual({ kind: 'chunked' });
    expect(framing(200, { 'transfer-encoding': 'chunked, gzip' })).toEqual({ kind: 'close' });
    expect(framing(200, {})).toEqual({ kind: 'close' });
    expect(framing(204, { 'content-length': '42' })).toEqual({ kind: 'none' });
    expect(framing(304, {})).toEqual({ kind: 'none' });
    expect(framing(103, {})).toEqual({ kind: 'none' });
  });

  it.each(['-1', '1.5', '0x10', '', '1 2', '9999999999999999'])('refuses the Content-Length "%s"', (length) => {
    expect(() => framing(200, { 'content-length': length })).toThrow(MalformedHeadError);
  });
});
