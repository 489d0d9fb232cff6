import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { WebhookRejectedError } from './errors.js';
import { signWebhook, verifyWebhook, type SignatureScheme } from './verify.js';

// The Standard Webhooks specification's test vector (its libraries' test suites share it).
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

type WebhookHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
};

function headersFor(id: string, timestamp: number | string, signature: string): WebhookHeaders {
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature };
}

function vectorRequest(signature = VECTOR.signature, secrets: readonly string[] = [VECTOR.secret]) {
  return {
    body: Buffer.from(VECTOR.body),
    headers: headersFor(VECTOR.id, VECTOR.timestamp, signature),
    secrets,
    nowSeconds: VECTOR.timestamp,
  };
}

/** The rejection `reason` of a call that must fail with 401. */
function rejection(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookRejectedError);
    const rejected = error as WebhookRejectedError;
    expect(rejected.status).toBe(401);
    expect(rejected.failureClass).toBe('permanent');
    return rejected.reason;
  }
  throw new Error('expected the webhook to be rejected');
}

// Root's reference Lambda scheme, computed here independently of the code under test.
function hexSignature(secret: string, id: string, timestamp: number | string, body: Buffer): string {
  const content = Buffer.concat([Buffer.from(`${id}.${timestamp}.`), body]);
  return `v1,${createHmac('sha256', Buffer.from(secret, 'utf8')).update(content).digest('hex')}`;
}

describe('verifyWebhook: Standard Webhooks test vectors', () => {
  it('signs the vector exactly as the specification does', () => {
    const signature = signWebhook({
      id: VECTOR.id,
      timestampSeconds: VECTOR.timestamp,
      body: VECTOR.body,
      secret: VECTOR.secret,
    });
    expect(signature).toBe(VECTOR.signature);
  });

  it('accepts the vector with and without the whsec_ prefix on the secret', () => {
    const expected = { webhookId: VECTOR.id, timestamp: VECTOR.timestamp };
    expect(verifyWebhook(vectorRequest())).toEqual(expected);
    expect(verifyWebhook(vectorRequest(VECTOR.signature, ['MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw']))).toEqual(expected);
  });

  it('accepts the multi-signature vector, where the valid signature sits among others', () => {
    const header = [
      'v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=',
      'v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=',
      VECTOR.signature,
      'v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=',
    ].join(' ');
    expect(verifyWebhook(vectorRequest(header)).webhookId).toBe(VECTOR.id);
  });

  it('rejects the vector with one character of its signature changed', () => {
    const changed = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=';
    expect(rejection(() => verifyWebhook(vectorRequest(changed)))).toBe('no matching signature');
  });

  it.each([
    ['a short garbage signature', 'v1,dawfeoifkpqwoekfpqoekf'],
    ['a truncated signature', VECTOR.signature.slice(0, 8)],
    ['an empty v1 signature', 'v1,'],
  ])('rejects %s', (_name, signature) => {
    expect(rejection(() => verifyWebhook(vectorRequest(signature)))).toBe('no v1 signature in webhook-signature header');
  });

  it('rejects a well-formed signature made with another key', () => {
    const other = signWebhook({ id: VECTOR.id, timestampSeconds: VECTOR.timestamp, body: VECTOR.body, secret: 'whsec_b3RoZXIta2V5' });
    expect(rejection(() => verifyWebhook(vectorRequest(other)))).toBe('no matching signature');
  });

  it('rejects a signature whose base64 text differs only in unused padding bits', () => {
    // "E" and "F" differ in the last char's two padding bits, so both decode to the same 32 bytes.
    const lookalike = `${VECTOR.signature.slice(0, -2)}F=`;
    expect(Buffer.from(lookalike.slice(3), 'base64')).toEqual(Buffer.from(VECTOR.signature.slice(3), 'base64'));
    expect(rejection(() => verifyWebhook(vectorRequest(lookalike)))).toBe('no matching signature');
  });
});

describe("verifyWebhook: Root's hex scheme", () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const body = Buffer.from('{"specversion":"1.0"}');
  const ts = 1_760_000_000;

  it('accepts a hex HMAC keyed by the secret text, whsec_ prefix included', () => {
    const signature = hexSignature(secret, 'evt_1', ts, body);
    expect(verifyWebhook({ body, headers: headersFor('evt_1', ts, signature), secrets: [secret], nowSeconds: ts })).toEqual({
      webhookId: 'evt_1',
      timestamp: ts,
    });
    expect(signWebhook({ id: 'evt_1', timestampSeconds: ts, body, secret, scheme: 'hex' })).toBe(signature);
  });

  it('does not key the hex scheme by the decoded secret', () => {
    const decodedKey = Buffer.from(secret.slice('whsec_'.length), 'base64');
    const content = Buffer.concat([Buffer.from(`evt_1.${ts}.`), body]);
    const wrong = `v1,${createHmac('sha256', decodedKey).update(content).digest('hex')}`;
    const request = { body, headers: headersFor('evt_1', ts, wrong), secrets: [secret], nowSeconds: ts };
    expect(rejection(() => verifyWebhook(request))).toBe('no matching signature');
  });

  it('accepts any secret text for the hex scheme, even one that is not base64', () => {
    const plain = 'not base64 at all!';
    const signature = hexSignature(plain, 'evt_2', ts, body);
    const request = { body, headers: headersFor('evt_2', ts, signature), secrets: [plain], nowSeconds: ts };
    expect(verifyWebhook(request).webhookId).toBe('evt_2');
    expect(() => signWebhook({ id: 'evt_2', timestampSeconds: ts, body, secret: plain })).toThrow(/not base64/);
  });

  it('ignores upper-case hex, which is not the shape Root sends', () => {
    const signature = hexSignature(secret, 'evt_1', ts, body).toUpperCase().replace('V1,', 'v1,');
    const request = { body, headers: headersFor('evt_1', ts, signature), secrets: [secret], nowSeconds: ts };
    expect(rejection(() => verifyWebhook(request))).toBe('no v1 signature in webhook-signature header');
  });
});

describe('verifyWebhook: headers', () => {
  it.each(['webhook-id', 'webhook-timestamp', 'webhook-signature'])('rejects a request without %s', (name) => {
    const request = vectorRequest();
    const headers: Record<string, string | undefined> = { ...request.headers, [name]: undefined };
    expect(rejection(() => verifyWebhook({ ...request, headers }))).toBe(`missing ${name} header`);
    const empty = { ...request.headers, [name]: '' };
    expect(rejection(() => verifyWebhook({ ...request, headers: empty }))).toBe(`missing ${name} header`);
  });

  it('finds headers whatever their case', () => {
    const headers = {
      'Webhook-Id': VECTOR.id,
      'WEBHOOK-TIMESTAMP': String(VECTOR.timestamp),
      'webhook-Signature': VECTOR.signature,
      'Content-Type': 'application/json',
    };
    expect(verifyWebhook({ ...vectorRequest(), headers }).webhookId).toBe(VECTOR.id);
  });

  it('rejects two spellings of one header with different values', () => {
    const headers = { ...vectorRequest().headers, 'Webhook-Id': 'msg_other' };
    expect(rejection(() => verifyWebhook({ ...vectorRequest(), headers }))).toBe('conflicting webhook-id headers');
  });

  it.each(['hello', '', '-1', '1.5', ' 1614265330', '1614265330 ', '1e9', '0x60377cf2', '1234567890123456'])(
    'rejects the timestamp %j',
    (timestamp) => {
      const request = vectorRequest();
      const headers = { ...request.headers, 'webhook-timestamp': timestamp };
      const reason = rejection(() => verifyWebhook({ ...request, headers }));
      expect(reason).toBe(timestamp === '' ? 'missing webhook-timestamp header' : 'webhook-timestamp is not a decimal integer');
    },
  );

  it('rejects a header holding only signatures of versions it does not know', () => {
    const header = 'v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg== v2,abc';
    expect(rejection(() => verifyWebhook(vectorRequest(header)))).toBe('no v1 signature in webhook-signature header');
  });

  it('tolerates repeated spaces between signatures', () => {
    expect(verifyWebhook(vectorRequest(`v1a,xyz   ${VECTOR.signature} `)).webhookId).toBe(VECTOR.id);
  });
});

describe('verifyWebhook: timestamp window', () => {
  const check = (now: number) => () => verifyWebhook({ ...vectorRequest(), nowSeconds: now });

  it('accepts a timestamp exactly 300 s old or 300 s ahead', () => {
    expect(check(VECTOR.timestamp + 300)().timestamp).toBe(VECTOR.timestamp);
    expect(check(VECTOR.timestamp - 300)().timestamp).toBe(VECTOR.timestamp);
  });

  it('rejects a timestamp 301 s old or 301 s ahead', () => {
    expect(rejection(check(VECTOR.timestamp + 301))).toBe('timestamp too old');
    expect(rejection(check(VECTOR.timestamp - 301))).toBe('timestamp too far in the future');
  });

  it('uses the real clock when no time is given', () => {
    const now = Math.floor(Date.now() / 1000);
    const signature = signWebhook({ id: 'm', timestampSeconds: now, body: '{}', secret: VECTOR.secret });
    const request = { body: Buffer.from('{}'), headers: headersFor('m', now, signature), secrets: [VECTOR.secret] };
    expect(verifyWebhook(request).timestamp).toBe(now);
    expect(rejection(() => verifyWebhook({ ...vectorRequest(), nowSeconds: undefined }))).toBe('timestamp too old');
  });

  it('hashes the timestamp as sent, so a re-formatted one fails', () => {
    const headers = { ...vectorRequest().headers, 'webhook-timestamp': `0${VECTOR.timestamp}` };
    expect(rejection(() => verifyWebhook({ ...vectorRequest(), headers }))).toBe('no matching signature');
  });
});

describe('verifyWebhook: secrets', () => {
  it('treats an empty secret list as a programming error, not a rejection', () => {
    const run = () => verifyWebhook(vectorRequest(VECTOR.signature, []));
    expect(run).toThrow(/at least one webhook secret/);
    expect(run).not.toThrow(WebhookRejectedError);
  });

  it('refuses an empty or blank secret, which would let anyone sign', () => {
    expect(() => verifyWebhook(vectorRequest(VECTOR.signature, [VECTOR.secret, '']))).toThrow(/secret #2 is empty/);
    expect(() => verifyWebhook(vectorRequest(VECTOR.signature, ['  ']))).toThrow(/secret #1 is empty/);
  });

  it('accepts a signature made with any secret of a rotation list', () => {
    const secrets = ['whsec_b2xkLXNlY3JldC0xMjM0NTY3ODkw', VECTOR.secret, 'plain-new-secret'];
    expect(verifyWebhook(vectorRequest(VECTOR.signature, secrets)).webhookId).toBe(VECTOR.id);
    const hex = hexSignature('plain-new-secret', VECTOR.id, VECTOR.timestamp, Buffer.from(VECTOR.body));
    expect(verifyWebhook(vectorRequest(hex, secrets)).webhookId).toBe(VECTOR.id);
  });
});

describe('signWebhook', () => {
  it('refuses a timestamp that is not a whole number of seconds', () => {
    expect(() => signWebhook({ id: 'm', timestampSeconds: 1.5, body: '', secret: VECTOR.secret })).toThrow(/integer/);
    expect(() => signWebhook({ id: 'm', timestampSeconds: -1, body: '', secret: VECTOR.secret })).toThrow(/integer/);
  });
});

describe('agreement with the standardwebhooks library', () => {
  it('signs UTF-8 bodies exactly as the library does, and the library accepts our signatures', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.string({ minLength: 1 }), fc.string(), (key, id, text) => {
        const secret = `whsec_${Buffer.from(key).toString('base64')}`;
        const now = Math.floor(Date.now() / 1000);
        const ours = signWebhook({ id, timestampSeconds: now, body: text, secret });
        const library = new Webhook(secret);
        expect(ours).toBe(library.sign(id, new Date(now * 1000), text));
        library.verify(Buffer.from(text), headersFor(id, now, ours), { jsonParse: false });
      }),
    );
  });

  it('keeps bodies that are not UTF-8 apart, where the library would let them collide', () => {
    const secret = VECTOR.secret;
    const library = new Webhook(secret);
    const signed = Buffer.from([0x7b, 0xff, 0x7d]);
    const swapped = Buffer.from([0x7b, 0xfe, 0x7d]);
    // The library decodes both to "{\uFFFD}", so one signature fits both bodies.
    expect(library.sign('m', new Date(VECTOR.timestamp * 1000), signed)).toBe(
      library.sign('m', new Date(VECTOR.timestamp * 1000), swapped),
    );
    const signature = signWebhook({ id: 'm', timestampSeconds: VECTOR.timestamp, body: signed, secret });
    const request = { headers: headersFor('m', VECTOR.timestamp, signature), secrets: [secret], nowSeconds: VECTOR.timestamp };
    expect(verifyWebhook({ ...request, body: signed }).webhookId).toBe('m');
    expect(rejection(() => verifyWebhook({ ...request, body: swapped }))).toBe('no matching signature');
  });
});

// --- properties -------------------------------------------------------------------------------

const base64Secret = fc
  .uint8Array({ minLength: 1, maxLength: 64 })
  .chain((key) => fc.constantFrom(`whsec_${Buffer.from(key).toString('base64')}`, Buffer.from(key).toString('base64')));
const textSecret = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim() !== '');
const schemeAndSecret: fc.Arbitrary<{ scheme: SignatureScheme; secret: string }> = fc.oneof(
  base64Secret.map((secret) => ({ scheme: 'base64' as const, secret })),
  fc.oneof(base64Secret, textSecret).map((secret) => ({ scheme: 'hex' as const, secret })),
);
const rawBody = fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes));
const base64Body = rawBody.map((bytes) => Buffer.from(bytes.toString('base64')));
const webhookId = fc.string({ minLength: 1, maxLength: 40 });

const validRequest = fc
  .record({
    signer: schemeAndSecret,
    id: webhookId,
    body: fc.oneof(rawBody, base64Body),
    timestamp: fc.integer({ min: 0, max: 2 ** 33 }),
    skew: fc.integer({ min: -300, max: 300 }),
  })
  .map(({ signer, id, body, timestamp, skew }) => {
    const signature = signWebhook({ id, timestampSeconds: timestamp, body, secret: signer.secret, scheme: signer.scheme });
    return {
      ...signer,
      id,
      timestamp,
      request: { body, headers: headersFor(id, timestamp, signature), secrets: [signer.secret], nowSeconds: timestamp + skew },
    };
  });

describe('verifyWebhook: properties', () => {
  it('accepts every validly signed request, in either scheme', () => {
    fc.assert(
      fc.property(validRequest, ({ request, id, timestamp }) => {
        expect(verifyWebhook(request)).toEqual({ webhookId: id, timestamp });
      }),
    );
  });

  it('rejects every mutation of the body', () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
      fc.record({ kind: fc.constant('append' as const), byte: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
    );
    fc.assert(
      fc.property(validRequest, mutation, ({ request }, change) => {
        const body = Buffer.from(request.body);
        let mutated: Buffer;
        if (change.kind === 'append') {
          mutated = Buffer.concat([body, Buffer.from([change.byte])]);
        } else if (body.length === 0) {
          mutated = Buffer.from([0]);
        } else if (change.kind === 'flip') {
          const at = change.at % body.length;
          body[at] = (body[at] ?? 0) ^ change.mask;
          mutated = body;
        } else {
          const at = change.at % body.length;
          mutated = Buffer.concat([body.subarray(0, at), body.subarray(at + 1)]);
        }
        expect(rejection(() => verifyWebhook({ ...request, body: mutated }))).toBe('no matching signature');
      }),
    );
  });

  it('rejects every change of webhook-id', () => {
    fc.assert(
      fc.property(validRequest, webhookId, ({ request, id }, otherId) => {
        fc.pre(otherId !== id);
        const headers = { ...request.headers, 'webhook-id': otherId };
        expect(rejection(() => verifyWebhook({ ...request, headers }))).toBe('no matching signature');
      }),
    );
  });

  it('rejects every change of webhook-timestamp, even one still inside the window', () => {
    fc.assert(
      fc.property(validRequest, fc.integer({ min: -300, max: 300 }), ({ request, timestamp }, delta) => {
        fc.pre(delta !== 0 && timestamp + delta >= 0);
        const headers = { ...request.headers, 'webhook-timestamp': String(timestamp + delta) };
        expect(rejection(() => verifyWebhook({ ...request, headers, nowSeconds: timestamp }))).toBe('no matching signature');
      }),
    );
  });

  it('rejects every single-character change of the signature', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    fc.assert(
      fc.property(validRequest, fc.nat(), fc.nat(), ({ request, scheme }, position, pick) => {
        const signature = request.headers['webhook-signature'];
        const value = signature.slice(3);
        // Stay inside the scheme's alphabet (and before base64's "="), so the entry keeps its shape.
        const chars = scheme === 'hex' ? '0123456789abcdef' : alphabet;
        const at = position % (scheme === 'hex' ? value.length : value.length - 1);
        const replacement = chars.replace(value.charAt(at), '').charAt(pick % (chars.length - 1));
        const mutated = `v1,${value.slice(0, at)}${replacement}${value.slice(at + 1)}`;
        const headers = { ...request.headers, 'webhook-signature': mutated };
        expect(rejection(() => verifyWebhook({ ...request, headers }))).toBe('no matching signature');
      }),
    );
  });

  it('accepts a header with one valid signature among others, and rejects it without that one', () => {
    const decoy = fc.oneof(
      fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => `v1,${Buffer.from(b).toString('base64')}`),
      fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => `v1,${Buffer.from(b).toString('hex')}`),
      fc.uint8Array({ minLength: 64, maxLength: 64 }).map((b) => `v1a,${Buffer.from(b).toString('base64')}`),
      fc.string({ maxLength: 20 }).map((s) => `v2,${s.replace(/ /g, '')}`),
    );
    fc.assert(
      fc.property(validRequest, fc.array(decoy, { minLength: 1, maxLength: 5 }), fc.nat(), ({ request }, decoys, at) => {
        const valid = request.headers['webhook-signature'];
        const entries = [...decoys];
        entries.splice(at % (entries.length + 1), 0, valid);
        const withValid = { ...request.headers, 'webhook-signature': entries.join(' ') };
        expect(verifyWebhook({ ...request, headers: withValid }).webhookId).toBe(request.headers['webhook-id']);
        const without = { ...request.headers, 'webhook-signature': decoys.join(' ') };
        expect(() => verifyWebhook({ ...request, headers: without })).toThrow(WebhookRejectedError);
      }),
    );
  });

  it('accepts a signature by any secret of a rotation list, and none by an outsider', () => {
    const keys = fc.uniqueArray(fc.uint8Array({ minLength: 16, maxLength: 32 }), {
      minLength: 2,
      maxLength: 4,
      selector: (key) => Buffer.from(key).toString('hex'),
    });
    fc.assert(
      fc.property(keys, fc.nat(), fc.constantFrom<SignatureScheme>('base64', 'hex'), rawBody, (all, pick, scheme, body) => {
        const secrets = all.map((key) => `whsec_${Buffer.from(key).toString('base64')}`);
        const [outsider, ...listed] = secrets;
        const signer = listed[pick % listed.length] ?? '';
        const sign = (secret: string) => signWebhook({ id: 'msg', timestampSeconds: 1000, body, secret, scheme });
        const request = (signature: string) => ({ body, headers: headersFor('msg', 1000, signature), secrets: listed, nowSeconds: 1000 });
        expect(verifyWebhook(request(sign(signer))).webhookId).toBe('msg');
        expect(rejection(() => verifyWebhook(request(sign(outsider ?? ''))))).toBe('no matching signature');
      }),
    );
  });
});
