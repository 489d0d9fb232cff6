// The destination repository as the worker leaves it: created like the base, with the base's
// policies, or left alone when it already existed, including after a failed policy copy.
import { describe, expect, it } from 'vitest';
import { formatMarker, POLICIES_TAG_KEY } from '../../lambda/ecr/marker.js';
import { fingerprints } from '../../lambda/ecr/policies.js';
import {
  BASE, BASE_SETTINGS, LIFECYCLE, POLICY, createWorker, enqueue, jobFor, mirroredDigest, pushSource, seedBase, useWorld,
} from './fixtures.js';

const world = useWorld();
const WRITES = ['CreateRepository', 'SetRepositoryPolicy', 'PutLifecyclePolicy', 'TagResource'];
const ecrWrites = () => world.aws.ecr.calls.map((c) => c.op).filter((op) => WRITES.includes(op));

describe('the destination repository', () => {
  it("is created with the base's tag mutability, scanning, encryption and both policies, then receives the image", async () => {
    seedBase(world);
    const image = await pushSource(world, 'library/nginx', '1.25-root');
    await enqueue(world, jobFor(world, 'library/nginx', '1.25-root'));

    const { failed } = await world.sqs.deliver(createWorker(world));

    expect(failed).toEqual([]);
    expect(world.aws.ecr.repositories.get(`${BASE}/library/nginx`)).toMatchObject({
      ...BASE_SETTINGS,
      policyText: POLICY,
      lifecyclePolicyText: LIFECYCLE,
      tags: { [POLICIES_TAG_KEY]: formatMarker(fingerprints({ repositoryPolicy: POLICY, lifecyclePolicy: LIFECYCLE })) },
    });
    expect(await mirroredDigest(world, 'library/nginx', '1.25-root')).toBe(image.digest);
    expect(world.sqs.queued()).toBe(0);
  });

  it('is left untouched when it already exists, whatever its settings and policies', async () => {
    seedBase(world);
    const own = { imageTagMutability: 'MUTABLE', policyText: '{"Version":"2012-10-17","Statement":[]}' };
    world.aws.ecr.seedRepository(`${BASE}/python`, own);
    const image = await pushSource(world, 'python', '3.12-root');
    await enqueue(world, jobFor(world, 'python', '3.12-root'));

    const { failed } = await world.sqs.deliver(createWorker(world));

    expect(failed).toEqual([]);
    expect(ecrWrites()).toEqual([]);
    const repo = world.aws.ecr.repositories.get(`${BASE}/python`);
    expect(repo).toMatchObject(own);
    expect(repo?.lifecyclePolicyText).toBeUndefined();
    expect(repo?.tags).toEqual({});
    expect(await mirroredDigest(world, 'python', '3.12-root')).toBe(image.digest);
  });

  it('gets no policies when the base has none, and the image still mirrors', async () => {
    seedBase(world, { policies: false });
    const image = await pushSource(world, 'redis', '7-root');
    await enqueue(world, jobFor(world, 'redis', '7-root'));

    const { failed } = await world.sqs.deliver(createWorker(world));

    expect(failed).toEqual([]);
    const repo = world.aws.ecr.repositories.get(`${BASE}/redis`);
    expect(repo).toMatchObject({ ...BASE_SETTINGS, tags: { [POLICIES_TAG_KEY]: 'copied:none:none' } });
    expect(repo?.policyText).toBeUndefined();
    expect(repo?.lifecyclePolicyText).toBeUndefined();
    expect(ecrWrites()).toEqual(['CreateRepository', 'TagResource']);
    expect(await mirroredDigest(world, 'redis', '7-root')).toBe(image.digest);
  });

  it('gets its policies on the retry when the copy failed after creating it', async () => {
    seedBase(world);
    const image = await pushSource(world, 'node', '20-root');
    await enqueue(world, jobFor(world, 'node', '20-root'));
    // Three 500s outlast the SDK's three attempts: the first delivery fails after CreateRepository.
    world.aws.ecr.failNext('SetRepositoryPolicy', { type: 'ServerException', status: 500, times: 3 });
    const worker = createWorker(world);

    const first = await world.sqs.deliver(worker);
    expect(first.failed).toEqual([first.event.Records[0]?.messageId]);
    const created = world.aws.ecr.repositories.get(`${BASE}/node`);
    expect(created?.policyText).toBeUndefined();
    expect(created?.tags[POLICIES_TAG_KEY]).toBe('pending');
    expect(world.dstProxy.requests).toEqual([]);

    world.sqs.waitOutRetryDelay();
    const second = await world.sqs.deliver(worker);
    expect(second.event.Records[0]?.attributes.ApproximateReceiveCount).toBe('2');
    expect(second.failed).toEqual([]);
    expect(world.aws.ecr.repositories.get(`${BASE}/node`)).toMatchObject({
      policyText: POLICY,
      lifecyclePolicyText: LIFECYCLE,
      tags: { [POLICIES_TAG_KEY]: formatMarker(fingerprints({ repositoryPolicy: POLICY, lifecyclePolicy: LIFECYCLE })) },
    });
    expect(world.aws.ecr.callsTo('CreateRepository')).toHaveLength(1);
    expect(await mirroredDigest(world, 'node', '20-root')).toBe(image.digest);
    expect(world.sqs.queued()).toBe(0);
  });

  it("takes the base's changed policies before the next image, unless they were changed by hand there", async () => {
    seedBase(world);
    await pushSource(world, 'python', '3.12-root');
    await pushSource(world, 'golang', '1.22-root');
    await enqueue(world, jobFor(world, 'python', '3.12-root'), jobFor(world, 'golang', '1.22-root'));
    expect((await world.sqs.deliver(createWorker(world))).failed).toEqual([]);
    const handMade = '{"Version":"2012-10-17","Statement":[]}';
    world.aws.ecr.repositories.get(`${BASE}/golang`)!.policyText = handMade;
    const newPolicy = POLICY.replace('123456789012', '210987654321');
    world.aws.ecr.repositories.get(BASE)!.policyText = newPolicy;

    await pushSource(world, 'python', '3.13-root');
    await pushSource(world, 'golang', '1.23-root');
    await enqueue(world, jobFor(world, 'python', '3.13-root'), jobFor(world, 'golang', '1.23-root'));
    expect((await world.sqs.deliver(createWorker(world))).failed).toEqual([]);

    expect(world.aws.ecr.repositories.get(`${BASE}/python`)?.policyText).toBe(newPolicy);
    expect(world.aws.ecr.repositories.get(`${BASE}/golang`)?.policyText).toBe(handMade);
    expect(world.output.logsAt('WARN').find((line) => line.repository === `${BASE}/golang`)).toMatchObject({ policy: 'repositoryPolicy' });
  });

  it("keeps the policies copied at creation when propagate_base_policies is off", async () => {
    seedBase(world);
    await pushSource(world, 'python', '3.12-root');
    await enqueue(world, jobFor(world, 'python', '3.12-root'));
    expect((await world.sqs.deliver(createWorker(world, { propagateBasePolicies: false }))).failed).toEqual([]);
    world.aws.ecr.repositories.get(BASE)!.policyText = POLICY.replace('123456789012', '210987654321');

    await pushSource(world, 'python', '3.13-root');
    await enqueue(world, jobFor(world, 'python', '3.13-root'));
    expect((await world.sqs.deliver(createWorker(world, { propagateBasePolicies: false }))).failed).toEqual([]);

    expect(world.aws.ecr.repositories.get(`${BASE}/python`)?.policyText).toBe(POLICY);
    expect(await mirroredDigest(world, 'python', '3.13-root')).toBeDefined();
  });

  it('sends the job to the dead-letter queue, naming the base, when the base repository is missing', async () => {
    await pushSource(world, 'library/busybox', '1.36-root');
    await enqueue(world, jobFor(world, 'library/busybox', '1.36-root'));

    const { failed } = await world.sqs.deliver(createWorker(world));

    expect(failed).toEqual([]);
    const [dead] = world.sqs.deadLettered();
    expect(dead?.messageAttributes?.failure_code?.StringValue).toBe('ECR_BASE_REPOSITORY_MISSING');
    expect(dead?.messageAttributes?.failure_reason?.StringValue).toContain(`"${BASE}"`);
    expect(world.aws.ecr.callsTo('CreateRepository')).toEqual([]);
    expect(world.sqs.queued()).toBe(0);
  });
});
