import { describe, expect, it } from 'vitest';
import { parseErrorBody } from './error-body.js';
import { RegistryResponseError } from './errors.js';
import { responseFailureClass } from './retryable.js';

describe('which registry answers are retried', () => {
  it.each([
    [408, 'transient'],
    [429, 'transient'],
    [500, 'transient'],
    [502, 'transient'],
    [503, 'transient'],
    [504, 'transient'],
    [501, 'permanent'],
    [505, 'permanent'],
    [400, 'permanent'],
    [401, 'permanent'],
    [403, 'permanent'],
    [404, 'permanent'],
    [409, 'permanent'],
  ] as const)('status %i without registry codes is %s', (status, expected) => {
    expect(responseFailureClass(status)).toBe(expected);
  });

  it.each([
    [404, ['BLOB_UPLOAD_UNKNOWN'], 'transient'],
    [400, ['BLOB_UPLOAD_INVALID'], 'transient'],
    [403, ['TOOMANYREQUESTS'], 'transient'],
    [400, ['UNAVAILABLE'], 'transient'],
    [404, ['BLOB_UPLOAD_UNKNOWN', 'TOOMANYREQUESTS'], 'transient'],
    // Transient only when every entry is.
    [404, ['BLOB_UPLOAD_UNKNOWN', 'MANIFEST_UNKNOWN'], 'permanent'],
    [400, ['DIGEST_INVALID', 'BLOB_UPLOAD_INVALID'], 'permanent'],
    // An entry without a code is not a transient code.
    [404, ['BLOB_UPLOAD_UNKNOWN', ''], 'permanent'],
    [404, ['MANIFEST_UNKNOWN'], 'permanent'],
    [401, ['UNAUTHORIZED'], 'permanent'],
    // A transient status stays transient whatever the body says.
    [503, ['MANIFEST_UNKNOWN'], 'transient'],
    [501, ['UNSUPPORTED'], 'permanent'],
  ] as const)('status %i with codes %j is %s', (status, codes, expected) => {
    expect(responseFailureClass(status, codes)).toBe(expected);
  });
});

describe('registry error bodies', () => {
  it('reads every entry, in order', () => {
    const body = Buffer.from(
      JSON.stringify({
        errors: [
          { code: 'BLOB_UPLOAD_UNKNOWN', message: 'blob upload unknown to registry' },
          { code: 'TOOMANYREQUESTS', message: 'slow down' },
          { message: 'no code' },
        ],
      }),
    );
    expect(parseErrorBody(body)).toEqual([
      { code: 'BLOB_UPLOAD_UNKNOWN', message: 'blob upload unknown to registry' },
      { code: 'TOOMANYREQUESTS', message: 'slow down' },
      { message: 'no code' },
    ]);
  });

  it('keeps a plain-text body as one message, drops HTML and an empty body', () => {
    expect(parseErrorBody(Buffer.from('rate exceeded\n'))).toEqual([{ message: 'rate exceeded' }]);
    expect(parseErrorBody(Buffer.from('<html><body>502</body></html>'))).toEqual([]);
    expect(parseErrorBody(Buffer.alloc(0))).toEqual([]);
    expect(parseErrorBody(Buffer.from('{"errors":"nope"}'))).toEqual([]);
    expect(parseErrorBody(Buffer.from('null'))).toEqual([]);
  });

  it('classifies an answer by all its entries and names them all', () => {
    const lost = new RegistryResponseError({
      method: 'PUT',
      url: 'https://r.example/v2/a/blobs/uploads/x?_state=secret',
      status: 404,
      errors: [{ code: 'BLOB_UPLOAD_UNKNOWN', message: 'blob upload unknown to registry' }],
    });
    expect(lost.failureClass).toBe('transient');
    expect(lost.code).toBe('BLOB_UPLOAD_UNKNOWN');
    const mixed = new RegistryResponseError({
      method: 'GET',
      url: 'https://r.example/v2/a/manifests/v1',
      status: 404,
      errors: [{ code: 'BLOB_UPLOAD_UNKNOWN' }, { code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }],
    });
    expect(mixed.failureClass).toBe('permanent');
    expect(mixed.registryCodes).toEqual(['BLOB_UPLOAD_UNKNOWN', 'MANIFEST_UNKNOWN']);
    expect(mixed.message).toContain('BLOB_UPLOAD_UNKNOWN; MANIFEST_UNKNOWN: manifest unknown');
    expect(lost.message).not.toContain('secret');
    expect(lost.url).toBe('https://r.example/v2/a/blobs/uploads/x');
  });
});
