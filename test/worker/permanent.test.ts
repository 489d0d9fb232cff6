// Permanent failures: straight to the dead-letter queue with the reason attached, not
// returned for retry, and exactly one ERROR line saying what to fix.
import { describe, expect, it } from 'vitest';
import type { FaultRule } from '../support/fault-proxy.js';
import { pushRandomImage } from '../support/images.js';
import { BASE, ECR_AUTH, ROOT_AUTH, createWorker, enqueue, jobFor, mirroredDigest, pushSource, seedBase, useWorld, type World } from './fixtures.js';

const world = useWorld();
const DENIED = JSON.stringify({ errors: [{ code: 'DENIED', message: 'requested access to the resource is denied' }] });
const TAG_INVALID = JSON.stringify({
  errors: [{ code: 'TAG_INVALID', message: "The image tag 'v1' already exists in the 'root-mirror/app' repository and cannot be overwritten because the repository is immutable." }],
});

/** The one record went to the DLQ and not back to the queue; returns the DLQ message's attributes. */
async function expectDeadLettered(w: World, code: string, worker = createWorker(w)) {
  const { event, failed } = await w.sqs.deliver(worker);
  expect(failed).toEqual([]);
  expect(w.sqs.visibilityChanges()).toEqual([]);
  expect(w.sqs.queued()).toBe(0);
  const dead = w.sqs.deadLettered();
  expect(dead).toHaveLength(1);
  expect(dead[0]?.body).toBe(event.Records[0]?.body);
  const attributes = dead[0]?.messageAttributes ?? {};
  expect(attributes.failure_code?.StringValue).toBe(code);
  const errors = w.output.logsAt('ERROR');
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatchObject({ code, message_id: event.Records[0]?.messageId });
  return { reason: attributes.failure_reason?.StringValue ?? '', error: errors[0]! };
}

describe('permanent failures', () => {
  it('dead-letters a job whose immutable tag already holds another digest', async () => {
    seedBase(world);
    const theirs = await pushRandomImage(world.dst.url, `${BASE}/app`, 'v1', { auth: ECR_AUTH });
    await pushSource(world, 'app', 'v1');
    await enqueue(world, jobFor(world, 'app', 'v1'));
    // What ECR answers when an immutable tag would move.
    const immutable: FaultRule = { method: 'PUT', path: /\/manifests\/v1$/, status: 400, body: TAG_INVALID };
    world.dstProxy.rules = [immutable];

    const { reason, error } = await expectDeadLettered(world, 'TAG_INVALID');

    expect(reason).toContain('cannot be overwritten because the repository is immutable');
    expect(error).toMatchObject({ image: `${world.srcProxy.host}/app:v1`, destination: `${BASE}/app:v1` });
    expect(world.dstProxy.fired(immutable)).toBe(1);
    expect(await mirroredDigest(world, 'app', 'v1')).toBe(theirs.digest);
  });

  it.each([
    ['a wrong key in Secrets Manager', 'secret', /refused the Root API key of user "root": put the right key in the secret named by ROOT_API_KEY_ARN/],
    ['a wrong key in the environment', 'env', /refused the Root API key of user "root"/],
    ['no key at all', 'none', /no Root API key is configured/],
  ])('dead-letters a job Root refuses with 401 for %s, naming the key to fix', async (_, where, explanation) => {
    seedBase(world);
    await pushSource(world, 'library/nginx', '1.25-root');
    await enqueue(world, jobFor(world, 'library/nginx', '1.25-root'));
    const arn = world.aws.secrets.seedSecret('root-ecr-mirror/root-api-key', 'not-the-key');
    const rootApiKey =
      where === 'secret' ? { kind: 'arn' as const, arn } : { kind: 'value' as const, value: where === 'env' ? 'not-the-key' : '' };

    const { reason } = await expectDeadLettered(world, 'ROOT_CREDENTIALS_REJECTED', createWorker(world, { rootApiKey }));

    expect(reason).toMatch(explanation);
    expect(reason).toContain(`Root's registry ${world.srcProxy.host} answered 401`);
    expect(world.aws.secrets.getSecretValueCount(arn)).toBe(where === 'secret' ? 1 : 0);
    expect(world.dstProxy.requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD')).toEqual([]);
  });

  it('re-reads a Root API key rotated since it was cached, and mirrors with the new one', async () => {
    seedBase(world);
    const image = await pushSource(world, 'library/nginx', '1.26-root');
    const arn = world.aws.secrets.seedSecret('root-ecr-mirror/root-api-key', 'the-old-key');
    let clock = Date.now();
    const worker = createWorker(world, { rootApiKey: { kind: 'arn', arn }, now: () => clock });
    await enqueue(world, jobFor(world, 'library/nginx', '1.26-root'));
    // Read once and cached; then the operator rotates the key.
    await expectDeadLettered(world, 'ROOT_CREDENTIALS_REJECTED', worker);
    world.aws.secrets.seedSecret('root-ecr-mirror/root-api-key', ROOT_AUTH.password);
    clock += 61_000;

    await enqueue(world, jobFor(world, 'library/nginx', '1.26-root'));
    const { failed } = await world.sqs.deliver(worker);
    expect(failed).toEqual([]);
    expect(await mirroredDigest(world, 'library/nginx', '1.26-root')).toBe(image.digest);
    expect(world.aws.secrets.getSecretValueCount(arn)).toBe(2);
  });

  it('fetches a new ECR token once when ECR refuses the cached one, and mirrors', async () => {
    seedBase(world);
    const image = await pushSource(world, 'library/nginx', '1.27-root');
    await enqueue(world, jobFor(world, 'library/nginx', '1.27-root'));
    // The cached token was revoked: ECR refuses it on the first call and on its one re-authentication.
    const revoked = { method: 'HEAD', path: /\/manifests\//, status: 401, times: 2 };
    world.dstProxy.rules = [revoked];

    const { failed } = await world.sqs.deliver(createWorker(world));

    expect(failed).toEqual([]);
    expect(world.dstProxy.fired(revoked)).toBe(2);
    expect(world.aws.ecr.callsTo('GetAuthorizationToken')).toHaveLength(2);
    expect(await mirroredDigest(world, 'library/nginx', '1.27-root')).toBe(image.digest);
  });

  it('asks for a new ECR token only once: ECR refusing the new one too dead-letters the job', async () => {
    seedBase(world);
    await pushSource(world, 'library/nginx', '1.28-root');
    await enqueue(world, jobFor(world, 'library/nginx', '1.28-root'));
    world.dstProxy.rules = [{ method: 'HEAD', path: /\/manifests\//, status: 401 }];

    await expectDeadLettered(world, 'HTTP_401');
    expect(world.aws.ecr.callsTo('GetAuthorizationToken')).toHaveLength(2);
  });

  it('re-reads a refused Root API key only once: still refused, the job is dead-lettered', async () => {
    seedBase(world);
    await pushSource(world, 'library/nginx', '1.29-root');
    const arn = world.aws.secrets.seedSecret('root-ecr-mirror/root-api-key', 'still-wrong');
    // A clock a minute further on at every look: the cached key is always old enough to re-read.
    let ticks = 0;
    const worker = createWorker(world, { rootApiKey: { kind: 'arn', arn }, now: () => Date.now() + 61_000 * ticks++ });
    await enqueue(world, jobFor(world, 'library/nginx', '1.29-root'));

    await expectDeadLettered(world, 'ROOT_CREDENTIALS_REJECTED', worker);
    expect(world.aws.secrets.getSecretValueCount(arn)).toBe(2);
  });

  const BLOB_GET = /\/blobs\/sha256:[a-f0-9]{64}$/;
  it.each<[string, string, FaultRule[]]>([
    ['the tag does not exist on the source', 'MANIFEST_UNKNOWN', []],
    ['the source serves a manifest we cannot copy', 'MANIFEST_INVALID', [
      { method: 'GET', path: /\/manifests\/v1$/, status: 200, body: '{"schemaVersion":1,"name":"x","tag":"v1","fsLayers":[]}', headers: { 'content-type': 'application/vnd.docker.distribution.manifest.v1+prettyjws' } },
    ]],
    ['blob bytes fail their digest twice', 'DIGEST_MISMATCH', [{ method: 'GET', path: BLOB_GET, corrupt: true }]],
    ['Root denies the key access to the image (403)', 'ROOT_ACCESS_DENIED', [{ method: 'GET', path: /\/manifests\/v1$/, status: 403, body: DENIED }]],
  ])('dead-letters a job when %s', async (_, code, rules) => {
    seedBase(world);
    if (code !== 'MANIFEST_UNKNOWN') await pushSource(world, 'tools', 'v1', { layers: [20_000] });
    await enqueue(world, jobFor(world, 'tools', 'v1'));
    world.srcProxy.rules = rules;

    const { reason } = await expectDeadLettered(world, code);
    expect(reason).not.toBe('');
    if (code === 'MANIFEST_UNKNOWN' || code === 'MANIFEST_INVALID') {
      // The image was never there: no empty repository is left behind.
      expect([...world.aws.ecr.repositories.keys()]).toEqual([BASE]);
    }
  });

  it("keeps the destination's own refusal as it is, without blaming Root's key", async () => {
    seedBase(world);
    await pushSource(world, 'app', 'v2');
    await enqueue(world, jobFor(world, 'app', 'v2'));
    // ECR's answer when the function's role may not push.
    world.dstProxy.rules = [{ method: 'POST', path: /\/blobs\/uploads\/$/, status: 403, body: DENIED }];

    const { reason } = await expectDeadLettered(world, 'DENIED');

    expect(reason).toContain(`${world.dstProxy.host}`);
    expect(reason).not.toMatch(/Root/);
  });
});
