// The intake's answers to good and bad webhooks; nothing bad is ever enqueued.
import { beforeEach, describe, expect, it } from 'vitest';
import { SecretCache } from '../../lambda/config/secret-cache.js';
import { createFunctionUrlHandler, type IntakeDependencies } from '../../lambda/handlers/function-url.js';
import type { MirrorJob } from '../../lambda/mirror/job.js';
import { parseAllowedRepos } from '../../lambda/webhook/allowed-repos.js';
import { ROOT_HOST, SECRET, rootEvent, signedRequest } from './signed-request.js';
import { captureOutput } from '../support/output.js';

// The function's JSON logs are captured, and printed only for a failed test.
captureOutput();

const DIGEST = `sha256:${'ab'.repeat(32)}`;
// The intake reads this fixed clock, so a window edge is exact however long collection and earlier tests take.
const NOW = Math.floor(Date.now() / 1000);
let queued: MirrorJob[];

function intake(overrides: Partial<IntakeDependencies> = {}, allowed = '') {
  return createFunctionUrlHandler({
    config: { rootRegistryHost: ROOT_HOST, dstRepo: 'root-mirror', allowedRepos: parseAllowedRepos(allowed) },
    webhookSecret: new SecretCache({ kind: 'value', value: SECRET }),
    dispatch: { mode: 'queued', enqueue: async (job) => void queued.push(job) },
    nowSeconds: () => NOW,
    ...overrides,
  });
}

const body = (value: unknown) => JSON.stringify(value);
const parsed = (result: { body?: string }) => JSON.parse(result.body ?? '{}') as Record<string, unknown>;

beforeEach(() => {
  queued = [];
});

describe('accepted webhooks', () => {
  it('queues a signed Root event with everything the worker needs, answering 202', async () => {
    const event = rootEvent({ image_digest: DIGEST, arch: 'arm64/v8' });
    const result = await intake()(signedRequest({ body: body(event) }));
    expect(result.statusCode).toBe(202);
    expect(parsed(result)).toEqual({ status: 'queued', event_id: 'evt_123' });
    expect(queued).toEqual([
      {
        source: `cr.root.io/library/nginx:1.25.4-root@${DIGEST}`,
        destinationRepository: 'root-mirror/library/nginx',
        destinationTag: '1.25.4-root',
        platform: 'linux/arm64/v8',
        digest: DIGEST,
        webhookId: 'msg_2b1a',
        eventId: 'evt_123',
      },
    ]);
  });

  it('accepts Root reference Lambda hex signatures', async () => {
    expect((await intake()(signedRequest({ scheme: 'hex' }))).statusCode).toBe(202);
  });

  it('accepts a base64-encoded body, verifying the decoded bytes', async () => {
    expect((await intake()(signedRequest({ base64: true }))).statusCode).toBe(202);
  });

  it('accepts mixed-case header names', async () => {
    const request = signedRequest();
    request.headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.replace(/^w/, 'W').replace('-id', '-ID'), v]));
    expect((await intake()(request)).statusCode).toBe(202);
  });

  it('accepts a replay inside the window; the queue deduplicates it by webhook id', async () => {
    const request = signedRequest();
    expect((await intake()(request)).statusCode).toBe(202);
    expect((await intake()(request)).statusCode).toBe(202);
    expect(queued.map((j) => j.webhookId)).toEqual(['msg_2b1a', 'msg_2b1a']);
  });

  it('verifies with any secret of a rotation', async () => {
    const handler = intake({ webhookSecret: new SecretCache({ kind: 'value', value: `whsec_b2xkLXNlY3JldA==\n${SECRET}\n` }) });
    expect((await handler(signedRequest())).statusCode).toBe(202);
  });
});

describe('ignored events', () => {
  it('acknowledges other event types with 200 ignored', async () => {
    const result = await intake()(signedRequest({ body: body(rootEvent({}, { type: 'io.root.cr.image.deleted.v1' })) }));
    expect(result.statusCode).toBe(200);
    expect(parsed(result)).toEqual({ status: 'ignored' });
    expect(queued).toEqual([]);
  });

  it('ignores repositories outside allowed_repos with the reason', async () => {
    const handler = intake({}, 'python, library/ng*');
    const result = await handler(signedRequest({ body: body(rootEvent({ image_repo: 'golang', image_tag: '1.22' })) }));
    expect(result.statusCode).toBe(200);
    expect(parsed(result)).toEqual({ status: 'ignored', reason: 'not in allowed_repos' });
    expect((await handler(signedRequest())).statusCode).toBe(202);
    expect(queued).toHaveLength(1);
  });

  it('ignores tags outside an entry\'s tag glob, and queues the matching ones', async () => {
    const handler = intake({}, 'python:3.12-*');
    const outside = await handler(signedRequest({ body: body(rootEvent({ image_repo: 'python', image_tag: '3.11-slim' })) }));
    expect(parsed(outside)).toEqual({ status: 'ignored', reason: 'not in allowed_repos' });
    const inside = await handler(signedRequest({ body: body(rootEvent({ image_repo: 'python', image_tag: '3.12-slim' })) }));
    expect(inside.statusCode).toBe(202);
    expect(queued.map((job) => job.destinationTag)).toEqual(['3.12-slim']);
  });
});

describe('refused webhooks', () => {
  const cases: Array<[string, () => ReturnType<typeof signedRequest>, number]> = [
    ['a missing webhook-id', () => signedRequest({ headers: { 'webhook-id': undefined } }), 401],
    ['a missing webhook-timestamp', () => signedRequest({ headers: { 'webhook-timestamp': undefined } }), 401],
    ['a missing webhook-signature', () => signedRequest({ headers: { 'webhook-signature': undefined } }), 401],
    ['a timestamp 301 s old', () => signedRequest({ timestamp: NOW - 301 }), 401],
    ['a timestamp 301 s ahead', () => signedRequest({ timestamp: NOW + 301 }), 401],
    ['a non-numeric timestamp', () => signedRequest({ headers: { 'webhook-timestamp': 'yesterday' } }), 401],
    ['a signature over another body', () => ({ ...signedRequest(), body: body(rootEvent({ image_tag: 'evil' })) }), 401],
    ['only v1a signatures', () => signedRequest({ signature: `v1a,${'A'.repeat(43)}=` }), 401],
    ['an unknown signature version', () => signedRequest({ signature: `v2,${signedRequest().headers['webhook-signature']!.slice(3)}` }), 401],
    ['the wrong secret', () => signedRequest({ secret: `whsec_${Buffer.from('other').toString('base64')}` }), 401],
    ['an empty body', () => signedRequest({ body: '' }), 400],
    ['invalid JSON', () => signedRequest({ body: '{"specversion":' }), 400],
    ['JSON that is not an object', () => signedRequest({ body: '[1,2]' }), 400],
    ['a missing specversion', () => signedRequest({ body: body(rootEvent({}, { specversion: undefined })) }), 400],
    ['a missing image_repo', () => signedRequest({ body: body(rootEvent({ image_repo: undefined }, { subject: undefined })) }), 400],
    ['a missing image_tag', () => signedRequest({ body: body(rootEvent({ image_tag: undefined }, { subject: undefined })) }), 400],
    ['an upper-case repo', () => signedRequest({ body: body(rootEvent({ image_repo: 'Library/Nginx' }, { subject: undefined })) }), 400],
    ['a repo with ..', () => signedRequest({ body: body(rootEvent({ image_repo: 'library/../etc' }, { subject: undefined })) }), 400],
    ['a repo with a leading /', () => signedRequest({ body: body(rootEvent({ image_repo: '/library/nginx' }, { subject: undefined })) }), 400],
    ['a repo with //', () => signedRequest({ body: body(rootEvent({ image_repo: 'library//nginx' }, { subject: undefined })) }), 400],
    ['a repo of 300 characters', () => signedRequest({ body: body(rootEvent({ image_repo: 'a'.repeat(300) }, { subject: undefined })) }), 400],
    ['a tag containing /', () => signedRequest({ body: body(rootEvent({ image_tag: '1.25/evil' }, { subject: undefined })) }), 400],
    ['a malformed digest', () => signedRequest({ body: body(rootEvent({ image_digest: 'sha256:xyz' })) }), 400],
    ['a subject on another host', () => signedRequest({ body: body(rootEvent({}, { subject: 'evil.example.com/library/nginx:1.25.4-root' })) }), 400],
  ];

  it.each(cases)('answers %s with its status and enqueues nothing', async (_name, request, status) => {
    const result = await intake()(request());
    expect(result.statusCode).toBe(status);
    expect(queued).toEqual([]);
    // One generic message per status: the precise reason stays in the log.
    expect(Object.keys(parsed(result))).toEqual(['error']);
    expect(result.body).not.toMatch(/timestamp|signature|secret|header/i);
  });

  it('answers 405 to anything but POST', async () => {
    const result = await intake()(signedRequest({ method: 'GET' }));
    expect(result.statusCode).toBe(405);
    expect(result.headers).toMatchObject({ allow: 'POST' });
  });

  it('answers 413 to a body over 1 MiB', async () => {
    const result = await intake()(signedRequest({ body: `{"pad":"${'x'.repeat(1024 * 1024)}"}` }));
    expect(result.statusCode).toBe(413);
    expect(queued).toEqual([]);
  });

  it('answers 503 when no secret is configured, never accepting unsigned requests', async () => {
    const handler = intake({ webhookSecret: new SecretCache(undefined) });
    expect((await handler(signedRequest())).statusCode).toBe(503);
    const blank = intake({ webhookSecret: new SecretCache({ kind: 'value', value: '  \n ' }) });
    expect((await blank(signedRequest())).statusCode).toBe(503);
    expect(queued).toEqual([]);
  });

  it('answers 500 when the queue cannot be reached, so the sender retries', async () => {
    const handler = intake({ dispatch: { mode: 'queued', enqueue: async () => Promise.reject(new Error('connect ECONNREFUSED 10.0.0.1:443')) } });
    const result = await handler(signedRequest());
    expect(result.statusCode).toBe(500);
    expect(result.body).not.toMatch(/ECONNREFUSED|10\.0\.0\.1/);
  });
});

describe('Secrets Manager failing', () => {
  const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:hook';

  function flakyProvider() {
    const state = { calls: 0, failing: false };
    const provider = {
      get: async () => {
        state.calls += 1;
        if (state.failing) throw new Error('Rate exceeded');
        return SECRET;
      },
    } as never;
    return { state, provider };
  }

  it('keeps verifying with the cached secret, asking again at most every 10 s', async () => {
    let clock = 0;
    const { state, provider } = flakyProvider();
    const handler = intake({ webhookSecret: new SecretCache({ kind: 'arn', arn: ARN }, provider, () => clock) });
    expect((await handler(signedRequest())).statusCode).toBe(202);
    state.failing = true;
    clock = 5 * 60_000;
    for (let i = 0; i < 5; i++) expect((await handler(signedRequest())).statusCode).toBe(202);
    expect(state.calls).toBe(2);
    clock += 10_000;
    expect((await handler(signedRequest())).statusCode).toBe(202);
    expect(state.calls).toBe(3);
  });

  it('gives the cached secret up an hour after it was last read, failing closed', async () => {
    let clock = 0;
    const { state, provider } = flakyProvider();
    const handler = intake({ webhookSecret: new SecretCache({ kind: 'arn', arn: ARN }, provider, () => clock) });
    expect((await handler(signedRequest())).statusCode).toBe(202);
    state.failing = true;
    clock = 59 * 60_000;
    expect((await handler(signedRequest())).statusCode).toBe(202);
    clock = 61 * 60_000;
    expect((await handler(signedRequest())).statusCode).toBe(500);
    // Also between the (rate-limited) re-reads.
    expect((await handler(signedRequest())).statusCode).toBe(500);
    state.failing = false;
    clock += 10_000;
    expect((await handler(signedRequest())).statusCode).toBe(202);
  });

  it('answers 401, not an error, when the secret cannot be re-read after a bad signature', async () => {
    let clock = 0;
    const { state, provider } = flakyProvider();
    const handler = intake({ webhookSecret: new SecretCache({ kind: 'arn', arn: ARN }, provider, () => clock) });
    expect((await handler(signedRequest())).statusCode).toBe(202);
    state.failing = true;
    clock = 2 * 60_000;
    const forged = signedRequest({ secret: `whsec_${Buffer.from('forged').toString('base64')}` });
    expect((await handler(forged)).statusCode).toBe(401);
    expect(state.calls).toBe(2);
  });

  it('answers 500 when no secret was ever read, and does not hammer Secrets Manager', async () => {
    let clock = 0;
    const { state, provider } = flakyProvider();
    state.failing = true;
    const handler = intake({ webhookSecret: new SecretCache({ kind: 'arn', arn: ARN }, provider, () => clock) });
    expect((await handler(signedRequest())).statusCode).toBe(500);
    expect((await handler(signedRequest())).statusCode).toBe(500);
    expect(state.calls).toBe(1);
    state.failing = false;
    clock = 10_000;
    expect((await handler(signedRequest())).statusCode).toBe(202);
  });
});

describe('secret rotation through Secrets Manager', () => {
  it('re-reads a stale secret once when a signature fails, then accepts', async () => {
    let clock = 0;
    const values = [`whsec_${Buffer.from('the-old-secret-0123456789').toString('base64')}`, SECRET];
    let reads = 0;
    const provider = { get: async () => values[Math.min(reads++, values.length - 1)] } as never;
    const cache = new SecretCache({ kind: 'arn', arn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:hook' }, provider, () => clock);
    const handler = intake({ webhookSecret: cache });

    expect((await handler(signedRequest())).statusCode).toBe(401);
    expect(reads).toBe(1); // The cached copy is fresh: no re-read on failure.
    clock = 61_000;
    expect((await handler(signedRequest())).statusCode).toBe(202);
    expect(reads).toBe(2);
  });
});
