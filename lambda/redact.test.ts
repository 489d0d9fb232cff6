import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { REDACTED, forgetSecrets, redact, redactDeep, registerCredentials, registerSecret } from './redact.js';

afterEach(() => forgetSecrets());

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const b64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
const secretArb = fc.string({ minLength: 8, maxLength: 48, unit: 'binary' }).filter((s) => s.trim() === s && s.length >= 8);
const textArb = fc.string({ maxLength: 40 });

/** Whether any base64-looking run in `text`, read at any alignment, decodes to bytes holding `secret`. */
function decodesToSecret(text: string, secret: string): boolean {
  const wanted = Buffer.from(secret, 'utf8');
  for (const run of text.match(/[A-Za-z0-9+/_-]{4,}={0,2}/g) ?? []) {
    for (let skip = 0; skip < 4; skip++) {
      const part = run.slice(skip).replace(/-/g, '+').replace(/_/g, '/');
      if (Buffer.from(part, 'base64').includes(wanted)) return true;
    }
  }
  return false;
}

describe('redact', () => {
  it('removes a registered secret in every encoding and position, whoever the user is', () => {
    fc.assert(
      fc.property(secretArb, fc.string({ maxLength: 20 }), textArb, textArb, fc.nat(5), (secret, user, before, after, pick) => {
        forgetSecrets();
        registerSecret(secret);
        const forms = [
          secret,
          b64(`${user}:${secret}`),
          b64url(`${user}:${secret}`),
          `Basic ${b64(`${user}:${secret}`)}`,
          encodeURIComponent(secret),
          JSON.stringify({ echoed: secret }),
        ];
        const form = forms[pick % forms.length]!;
        const out = redact(`${before}${form}${after}`);
        expect(out).not.toContain(secret);
        expect(out).not.toContain(b64(`${user}:${secret}`));
        expect(out).not.toContain(encodeURIComponent(secret));
        expect(out).not.toContain(JSON.stringify(secret).slice(1, -1));
        expect(decodesToSecret(out, secret)).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('removes the Basic value of registered credentials, and any Basic or Bearer value at all', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 20 }), secretArb, textArb, (user, password, before) => {
        forgetSecrets();
        registerCredentials(user, password);
        expect(redact(`${before} you sent ${b64(`${user}:${password}`)}`)).not.toContain(b64(`${user}:${password}`));
      }),
    );
    fc.assert(
      fc.property(fc.base64String({ minLength: 4, maxLength: 80 }), fc.constantFrom('Basic', 'Bearer', 'basic', 'BEARER'), (token, scheme) => {
        fc.pre(!/^(auth|or|and|the|a|with)=*$/i.test(token));
        const out = redact(`{"errors":[{"message":"you sent ${scheme} ${token}"}]}`);
        expect(out).toContain(`${scheme} ${REDACTED}`);
        expect(out).not.toContain(`${scheme} ${token}`);
      }),
    );
  });

  it('removes an unregistered JWT sent as Bearer, and credential fields in a JSON echo', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyb290In0.c2lnbmF0dXJl';
    expect(redact(`answered 401: Bearer ${jwt} expired`)).toBe(`answered 401: Bearer ${REDACTED} expired`);
    expect(redact('{"token":"abc.def","access_token":"x\\"y","expires_in":60}')).toBe(
      `{"token":"${REDACTED}","access_token":"${REDACTED}","expires_in":60}`,
    );
  });

  it('keeps our own sentences about authentication readable', () => {
    for (const text of [
      'cr.root.io sent a Bearer challenge without a realm',
      'WWW-Authenticate: Bearer realm="https://auth.example/token"',
      'asks for Basic authentication',
      'GET https://cr.root.io/v2/library/python/manifests/3.12 answered 404',
    ]) {
      expect(redact(text)).toBe(text);
    }
  });

  it('does not match secrets too short to be told from ordinary text', () => {
    registerSecret('pw');
    expect(redact('upload a new password')).toBe('upload a new password');
  });

  it('redacts inside nested values without changing the original', () => {
    registerSecret('s3cr3t-value');
    const input = { reason: 'echo s3cr3t-value', list: ['s3cr3t-value', 3], nested: { ok: true } };
    expect(redactDeep(input)).toEqual({ reason: `echo ${REDACTED}`, list: [REDACTED, 3], nested: { ok: true } });
    expect(input.reason).toBe('echo s3cr3t-value');
  });
});
