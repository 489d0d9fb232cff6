// Base-policy propagation through the real ECRClient against the ECR stand-in: a policy
// changed on the base reaches the mirrored repositories that still hold what we copied,
// and never one whose policy was changed by hand.
import { ECRClient } from '@aws-sdk/client-ecr';
import { describe, expect, it } from 'vitest';
import { formatMarker, POLICIES_TAG_KEY } from '../../lambda/ecr/marker.js';
import { fingerprints } from '../../lambda/ecr/policies.js';
import { propagateBasePolicies, readBasePolicies } from '../../lambda/ecr/propagate-policies.js';
import { ensureRepository } from '../../lambda/ecr/repositories.js';
import { publishMetrics } from '../../lambda/metrics.js';
import { captureOutput } from '../support/output.js';
import { withAwsStandIns } from './env.js';

const aws = withAwsStandIns();
const output = captureOutput();
const BASE = 'root-mirror';
const policy = (principal: string) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'pull', Effect: 'Allow', Principal: { AWS: principal }, Action: ['ecr:BatchGetImage'] }] });
const lifecycle = (days: number) =>
  JSON.stringify({ rules: [{ rulePriority: 1, selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: days }, action: { type: 'expire' } }] });
const OLD_POLICY = policy('arn:aws:iam::123456789012:root');
const NEW_POLICY = policy('arn:aws:iam::210987654321:root');
const HAND_POLICY = policy('arn:aws:iam::111111111111:root');
const OLD_LIFECYCLE = lifecycle(14);
const NEW_LIFECYCLE = lifecycle(30);

const ecr = () => new ECRClient({});
const mirrored = (name: string) => aws.ecr.repositories.get(`${BASE}/${name}`)!;
const WRITES = ['SetRepositoryPolicy', 'PutLifecyclePolicy', 'DeleteRepositoryPolicy', 'DeleteLifecyclePolicy', 'TagResource'];
const writes = () => aws.ecr.calls.filter((c) => WRITES.includes(c.op)).map((c) => `${c.op} ${String(c.params.repositoryName ?? c.params.resourceArn)}`);

/** The base with the old policies, and mirrored repositories created from it by the worker's own code. */
async function mirror(...names: string[]): Promise<void> {
  aws.ecr.seedRepository(BASE, { policyText: OLD_POLICY, lifecyclePolicyText: OLD_LIFECYCLE });
  for (const name of names) await ensureRepository(ecr(), { baseRepository: BASE, repository: `${BASE}/${name}` });
}

function changeBase(policyText: string | undefined, lifecyclePolicyText: string | undefined): void {
  const base = aws.ecr.repositories.get(BASE)!;
  base.policyText = policyText;
  base.lifecyclePolicyText = lifecyclePolicyText;
  if (policyText === undefined) delete base.policyText;
  if (lifecyclePolicyText === undefined) delete base.lifecyclePolicyText;
}

const propagate = (name: string, client = ecr()) =>
  propagateBasePolicies(client, { baseRepository: BASE, repository: `${BASE}/${name}`, repositoryArn: aws.ecr.arnOf(`${BASE}/${name}`) });

function driftMetrics(): number {
  publishMetrics();
  return output.emf().reduce((sum, doc) => sum + (typeof doc.PolicyDrift === 'number' ? doc.PolicyDrift : 0), 0);
}

describe('propagateBasePolicies', () => {
  it('brings an untouched mirrored repository up to a changed base and leaves a hand-edited one alone, reporting drift', async () => {
    await mirror('python', 'golang');
    mirrored('golang').policyText = HAND_POLICY; // someone's edit in the console
    changeBase(NEW_POLICY, NEW_LIFECYCLE);
    aws.ecr.calls.length = 0;

    const client = ecr();
    const basePolicies = await readBasePolicies(client, BASE);
    const input = (name: string) => ({ baseRepository: BASE, repository: `${BASE}/${name}`, repositoryArn: aws.ecr.arnOf(`${BASE}/${name}`), basePolicies });
    const untouched = await propagateBasePolicies(client, input('python'));
    const edited = await propagateBasePolicies(client, input('golang'));

    expect(untouched).toEqual({ repository: `${BASE}/python`, managed: true, repositoryPolicy: 'updated', lifecyclePolicy: 'updated', drift: [] });
    expect(mirrored('python')).toMatchObject({ policyText: NEW_POLICY, lifecyclePolicyText: NEW_LIFECYCLE });
    expect(mirrored('python').tags[POLICIES_TAG_KEY]).toBe(formatMarker(fingerprints({ repositoryPolicy: NEW_POLICY, lifecyclePolicy: NEW_LIFECYCLE })));

    // The hand-made repository policy stays; the lifecycle policy nobody touched still follows the base.
    expect(edited).toEqual({ repository: `${BASE}/golang`, managed: true, repositoryPolicy: 'drift', lifecyclePolicy: 'updated', drift: ['repositoryPolicy'] });
    expect(mirrored('golang')).toMatchObject({ policyText: HAND_POLICY, lifecyclePolicyText: NEW_LIFECYCLE });
    const warning = output.logsAt('WARN').find((line) => line.repository === `${BASE}/golang`);
    expect(warning).toMatchObject({ policy: 'repositoryPolicy', base_repository: BASE });
    expect(String(warning?.message)).toMatch(/changed by hand/);
    expect(driftMetrics()).toBe(1);
    expect(aws.ecr.callsTo('GetRepositoryPolicy').filter((c) => c.params.repositoryName === BASE)).toHaveLength(1);
  });

  it('keeps a hand-edited policy alone on every later run, even after the base changes again', async () => {
    await mirror('golang');
    mirrored('golang').policyText = HAND_POLICY;
    changeBase(NEW_POLICY, OLD_LIFECYCLE);
    await propagate('golang');
    changeBase(policy('arn:aws:iam::333333333333:root'), OLD_LIFECYCLE);

    await expect(propagate('golang')).resolves.toMatchObject({ repositoryPolicy: 'drift', drift: ['repositoryPolicy'] });
    expect(mirrored('golang').policyText).toBe(HAND_POLICY);
  });

  it('writes nothing when the repository is already in step, in three reads', async () => {
    await mirror('python');
    aws.ecr.calls.length = 0;

    await expect(propagate('python')).resolves.toMatchObject({ repositoryPolicy: 'in-sync', lifecyclePolicy: 'in-sync', drift: [] });
    expect(writes()).toEqual([]);
    expect(aws.ecr.calls.map((c) => c.op).sort()).toEqual(
      ['GetLifecyclePolicy', 'GetLifecyclePolicy', 'GetRepositoryPolicy', 'GetRepositoryPolicy', 'ListTagsForResource'].sort(),
    );
  });

  it('counts a policy ECR hands back reformatted as the one we copied', async () => {
    await mirror('python');
    mirrored('python').policyText = JSON.stringify(JSON.parse(OLD_POLICY), null, 2);
    changeBase(NEW_POLICY, OLD_LIFECYCLE);

    await expect(propagate('python')).resolves.toMatchObject({ repositoryPolicy: 'updated' });
    expect(mirrored('python').policyText).toBe(NEW_POLICY);
  });

  it('removes a policy the base no longer has, and adds one the base gained', async () => {
    aws.ecr.seedRepository(BASE, { policyText: OLD_POLICY });
    await ensureRepository(ecr(), { baseRepository: BASE, repository: `${BASE}/python` });
    changeBase(undefined, NEW_LIFECYCLE);

    await expect(propagate('python')).resolves.toMatchObject({ repositoryPolicy: 'updated', lifecyclePolicy: 'updated' });
    expect(mirrored('python').policyText).toBeUndefined();
    expect(mirrored('python').lifecyclePolicyText).toBe(NEW_LIFECYCLE);
    expect(mirrored('python').tags[POLICIES_TAG_KEY]).toBe(`copied:none:${fingerprints({ repositoryPolicy: undefined, lifecyclePolicy: NEW_LIFECYCLE }).lifecyclePolicy}`);
  });

  it('never touches a repository it did not create', async () => {
    aws.ecr.seedRepository(BASE, { policyText: NEW_POLICY });
    aws.ecr.seedRepository(`${BASE}/theirs`, { policyText: HAND_POLICY });
    aws.ecr.calls.length = 0;

    await expect(propagate('theirs')).resolves.toEqual({ repository: `${BASE}/theirs`, managed: false, drift: [] });
    expect(aws.ecr.calls.map((c) => c.op)).toEqual(['ListTagsForResource']);
    expect(mirrored('theirs').policyText).toBe(HAND_POLICY);
  });

  it('adopts the base fingerprints for a repository marked before fingerprints when it agrees, and otherwise reports drift', async () => {
    aws.ecr.seedRepository(BASE, { policyText: OLD_POLICY, lifecyclePolicyText: OLD_LIFECYCLE });
    aws.ecr.seedRepository(`${BASE}/agrees`, { policyText: OLD_POLICY, lifecyclePolicyText: OLD_LIFECYCLE, tags: { [POLICIES_TAG_KEY]: 'copied' } });
    aws.ecr.seedRepository(`${BASE}/differs`, { policyText: HAND_POLICY, lifecyclePolicyText: OLD_LIFECYCLE, tags: { [POLICIES_TAG_KEY]: 'copied' } });

    await expect(propagate('agrees')).resolves.toMatchObject({ repositoryPolicy: 'in-sync', lifecyclePolicy: 'in-sync' });
    expect(mirrored('agrees').tags[POLICIES_TAG_KEY]).toBe(formatMarker(fingerprints({ repositoryPolicy: OLD_POLICY, lifecyclePolicy: OLD_LIFECYCLE })));
    await expect(propagate('differs')).resolves.toMatchObject({ repositoryPolicy: 'drift', lifecyclePolicy: 'in-sync' });
    expect(mirrored('differs').policyText).toBe(HAND_POLICY);

    // Once fingerprinted, the agreeing one follows the base; the unknown one never does.
    changeBase(NEW_POLICY, OLD_LIFECYCLE);
    await expect(propagate('agrees')).resolves.toMatchObject({ repositoryPolicy: 'updated' });
    await expect(propagate('differs')).resolves.toMatchObject({ repositoryPolicy: 'drift' });
    expect(mirrored('differs').policyText).toBe(HAND_POLICY);
  });

  it('takes the base policies again, hand edits and all, once the operator sets the marker to pending', async () => {
    await mirror('golang');
    mirrored('golang').policyText = HAND_POLICY;
    changeBase(NEW_POLICY, OLD_LIFECYCLE);
    mirrored('golang').tags[POLICIES_TAG_KEY] = 'pending';

    await expect(propagate('golang')).resolves.toMatchObject({ repositoryPolicy: 'updated', drift: [] });
    expect(mirrored('golang').policyText).toBe(NEW_POLICY);
  });
});
