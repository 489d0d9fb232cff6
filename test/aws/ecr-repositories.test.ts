// ensureRepository through the real ECRClient against the ECR stand-in: the SDK's own
// serialization, error parsing and retries are what is exercised.
import { ECRClient } from '@aws-sdk/client-ecr';
import { describe, expect, it } from 'vitest';
import { EcrError } from '../../lambda/ecr/errors.js';
import { formatMarker, POLICIES_TAG_KEY } from '../../lambda/ecr/marker.js';
import { fingerprints } from '../../lambda/ecr/policies.js';
import { ensureRepository } from '../../lambda/ecr/repositories.js';
import { MirrorError } from '../../lambda/errors.js';
import { withAwsStandIns } from './env.js';

const aws = withAwsStandIns();
const BASE = 'root-mirror';
const TARGET = 'root-mirror/python';
const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Sid: 'pull', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: ['ecr:BatchGetImage'] }],
});
const LIFECYCLE = JSON.stringify({
  rules: [{ rulePriority: 1, selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 }, action: { type: 'expire' } }],
});
const COPIED = formatMarker(fingerprints({ repositoryPolicy: POLICY, lifecyclePolicy: LIFECYCLE }));
const KMS_KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

function seedBase(withPolicies = true): void {
  aws.ecr.seedRepository(BASE, {
    imageTagMutability: 'IMMUTABLE',
    imageScanningConfiguration: { scanOnPush: true },
    encryptionConfiguration: { encryptionType: 'KMS', kmsKey: KMS_KEY },
    ...(withPolicies ? { policyText: POLICY, lifecyclePolicyText: LIFECYCLE } : {}),
  });
}

const ensure = (ecr = new ECRClient({})) => ensureRepository(ecr, { baseRepository: BASE, repository: TARGET });
const ops = () => aws.ecr.calls.map((call) => call.op);
const WRITES = ['CreateRepository', 'SetRepositoryPolicy', 'PutLifecyclePolicy', 'TagResource', 'UntagResource'];

function expectFinishedCopy(): void {
  const repo = aws.ecr.repositories.get(TARGET);
  expect(repo?.policyText).toBe(POLICY);
  expect(repo?.lifecyclePolicyText).toBe(LIFECYCLE);
  expect(repo?.tags[POLICIES_TAG_KEY]).toBe(COPIED);
}

describe('ensureRepository', () => {
  it("creates a missing repository with the base's settings and both of its policies", async () => {
    seedBase();
    await expect(ensure()).resolves.toEqual({ created: true, policiesCopied: true, repositoryArn: aws.ecr.arnOf(TARGET) });

    const repo = aws.ecr.repositories.get(TARGET);
    expect(repo).toMatchObject({
      imageTagMutability: 'IMMUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: { encryptionType: 'KMS', kmsKey: KMS_KEY },
    });
    expectFinishedCopy();
    expect(aws.ecr.callsTo('DescribeRepositories').map((c) => c.params.repositoryNames)).toEqual([[TARGET], [BASE]]);
    expect(aws.ecr.callsTo('CreateRepository')[0]?.params.tags).toEqual([{ Key: POLICIES_TAG_KEY, Value: 'pending' }]);
    expect(ops().at(-1)).toBe('TagResource');
  });

  it('leaves a repository that already exists untouched, in two read-only calls', async () => {
    seedBase();
    aws.ecr.seedRepository(TARGET, { imageTagMutability: 'MUTABLE', policyText: '{"Version":"2012-10-17","Statement":[]}' });

    await expect(ensure()).resolves.toEqual({ created: false, policiesCopied: false, repositoryArn: aws.ecr.arnOf(TARGET) });

    expect(ops()).toEqual(['DescribeRepositories', 'ListTagsForResource']);
    const repo = aws.ecr.repositories.get(TARGET);
    expect(repo?.policyText).toBe('{"Version":"2012-10-17","Statement":[]}');
    expect(repo?.lifecyclePolicyText).toBeUndefined();
    expect(repo?.tags).toEqual({});
  });

  it('gives the new repository no policies when the base has none', async () => {
    seedBase(false);
    await expect(ensure()).resolves.toEqual({ created: true, policiesCopied: true, repositoryArn: aws.ecr.arnOf(TARGET) });

    const repo = aws.ecr.repositories.get(TARGET);
    expect(repo?.policyText).toBeUndefined();
    expect(repo?.lifecyclePolicyText).toBeUndefined();
    expect(repo?.tags[POLICIES_TAG_KEY]).toBe('copied:none:none');
    expect(ops()).not.toContain('SetRepositoryPolicy');
    expect(ops()).not.toContain('PutLifecyclePolicy');
  });

  it('finishes the policy copy on the retry after it failed, although the repository then exists', async () => {
    seedBase();
    // Three 500s outlast the SDK's three attempts, so the first run fails after creating.
    aws.ecr.failNext('SetRepositoryPolicy', { type: 'ServerException', status: 500, times: 3 });

    const failure = await ensure().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MirrorError);
    expect((failure as MirrorError).failureClass).toBe('transient');
    expect(aws.ecr.repositories.get(TARGET)?.tags[POLICIES_TAG_KEY]).toBe('pending');
    expect(aws.ecr.repositories.get(TARGET)?.policyText).toBeUndefined();

    await expect(ensure()).resolves.toEqual({ created: false, policiesCopied: true, repositoryArn: aws.ecr.arnOf(TARGET) });
    expectFinishedCopy();
    expect(aws.ecr.callsTo('SetRepositoryPolicy')).toHaveLength(4);
    expect(aws.ecr.callsTo('CreateRepository')).toHaveLength(1);
  });

  it('lets the SDK retry a throttled CreateRepository and ends correct', async () => {
    seedBase();
    aws.ecr.failNext('CreateRepository', { type: 'ThrottlingException', message: 'Rate exceeded', times: 2 });

    await expect(ensure()).resolves.toEqual({ created: true, policiesCopied: true, repositoryArn: aws.ecr.arnOf(TARGET) });
    expect(aws.ecr.callsTo('CreateRepository')).toHaveLength(3);
    expectFinishedCopy();
  });

  it('reports throttling that outlasts the SDK retries as transient', async () => {
    seedBase();
    aws.ecr.failNext('CreateRepository', { type: 'ThrottlingException', message: 'Rate exceeded', times: 10 });

    const failure = await ensure().catch((error: unknown) => error);
    expect(failure).toMatchObject({ failureClass: 'transient', code: 'ThrottlingException', operation: 'CreateRepository' });
    expect(aws.ecr.callsTo('CreateRepository')).toHaveLength(3);
  });

  it('fails permanently, naming the base repository, when the base does not exist', async () => {
    const failure = await ensure().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(EcrError);
    expect(failure).toMatchObject({ failureClass: 'permanent', code: 'ECR_BASE_REPOSITORY_MISSING' });
    expect((failure as Error).message).toContain(`"${BASE}"`);
    expect(ops()).not.toContain('CreateRepository');
  });

  it('names the IAM action when ECR denies it', async () => {
    seedBase();
    aws.ecr.failNext('CreateRepository', { type: 'AccessDeniedException', message: 'not authorized to perform: ecr:CreateRepository' });

    const failure = await ensure().catch((error: unknown) => error);
    expect(failure).toMatchObject({ failureClass: 'permanent', code: 'ECR_ACCESS_DENIED' });
    expect((failure as Error).message).toContain('"ecr:CreateRepository"');
  });

  it('two workers ensuring the same repository at once both succeed and leave it complete', async () => {
    seedBase();
    const results = await Promise.all([ensure(new ECRClient({})), ensure(new ECRClient({}))]);

    expect(results.filter((r) => r.created)).toHaveLength(1);
    expectFinishedCopy();
  });

  it('finishes the copy when it loses the creation race to a worker that has not copied yet', async () => {
    seedBase();
    // The other worker's repository exists, pending, but our first look missed it.
    aws.ecr.seedRepository(TARGET, { tags: { [POLICIES_TAG_KEY]: 'pending' } });
    aws.ecr.failNext('DescribeRepositories', { type: 'RepositoryNotFoundException', message: 'not yet' });

    await expect(ensure()).resolves.toEqual({ created: false, policiesCopied: true, repositoryArn: aws.ecr.arnOf(TARGET) });
    expect(aws.ecr.callsTo('CreateRepository')).toHaveLength(1);
    expectFinishedCopy();
  });

  it('leaves a repository alone when it loses the race to a worker that already finished', async () => {
    seedBase();
    aws.ecr.seedRepository(TARGET, { tags: { [POLICIES_TAG_KEY]: 'copied' } });
    aws.ecr.failNext('DescribeRepositories', { type: 'RepositoryNotFoundException', message: 'not yet' });

    await expect(ensure()).resolves.toEqual({ created: false, policiesCopied: false, repositoryArn: aws.ecr.arnOf(TARGET) });
    expect(ops().filter((op) => WRITES.includes(op))).toEqual(['CreateRepository']);
  });
});
