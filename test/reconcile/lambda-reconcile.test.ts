// The reconcile event through the Lambda's own entry point, against real registries and the
// AWS stand-ins: plan exactly the missing and outdated tags, queue them as mirror jobs, run them
// with the worker, and find everything in sync afterwards without moving a blob.
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeJob } from '../../lambda/queue/job-message.js';
import { pushRandomImage, type PushedImage } from '../support/images.js';
import { BASE, ECR_AUTH, mirroredDigest, pushSource, seedBase, useWorld, writes, type World } from '../worker/fixtures.js';
import { blobRequests, coldStart, invokeReconcile, mirrorBeforehand } from './fixtures.js';

const world = useWorld();

afterEach(() => {
  vi.unstubAllEnvs();
});

interface Scenario {
  readonly prefix: string;
  readonly python312b: PushedImage;
  readonly nginx125: PushedImage;
  readonly nginx126: PushedImage;
  /** A tag only the destination has. */
  readonly localOnly: PushedImage;
}

let unique = 0;

/**
 * Root has python (3.12-a, 3.12-b, and 3.11-a outside the tag glob), library/nginx (1.25, 1.26)
 * and golang (outside allowed_repos). Mirrored before: python:3.12-a as Root has it, and
 * library/nginx:1.25 at a digest Root has since moved on from; the destination also holds a tag
 * Root does not have, which a reconcile must leave alone.
 */
async function seedScenario(w: World): Promise<Scenario> {
  unique += 1;
  const prefix = `r${unique}`;
  seedBase(w);
  await pushSource(w, `${prefix}/python`, '3.12-a');
  const python312b = await pushSource(w, `${prefix}/python`, '3.12-b');
  await pushSource(w, `${prefix}/python`, '3.11-a');
  await pushSource(w, `${prefix}/library/nginx`, '1.25');
  const nginx126 = await pushSource(w, `${prefix}/library/nginx`, '1.26');
  await pushSource(w, `${prefix}/golang`, '1.22');
  await mirrorBeforehand(w, `${prefix}/python`, '3.12-a');
  await mirrorBeforehand(w, `${prefix}/library/nginx`, '1.25');
  // Root republishes 1.25 (a remediated image); the destination still has the old one.
  const nginx125 = await pushSource(w, `${prefix}/library/nginx`, '1.25');
  const localOnly = await pushRandomImage(w.dst.url, `${BASE}/${prefix}/library/nginx`, 'local-only', { auth: ECR_AUTH });
  return { prefix, python312b, nginx125, nginx126, localOnly };
}

describe('the reconcile event through the Lambda handler', () => {
  it('plans exactly the missing and outdated tags, queues one job each, and after they ran finds all in sync moving no blob', async () => {
    const s = await seedScenario(world);
    const allowed = `${s.prefix}/python:3.12-*,${s.prefix}/library/*`;
    const handler = await coldStart(world, { ALLOWED_REPOS: allowed });
    world.srcProxy.requests.splice(0);
    world.dstProxy.requests.splice(0);

    const summary = await invokeReconcile(handler);

    expect(summary.error).toBeUndefined();
    expect(summary.plan).toEqual([
      { repository: `${s.prefix}/library/nginx`, tag: '1.25', digest: s.nginx125.digest, reason: 'outdated' },
      { repository: `${s.prefix}/library/nginx`, tag: '1.26', digest: s.nginx126.digest, reason: 'missing' },
      { repository: `${s.prefix}/python`, tag: '3.12-b', digest: s.python312b.digest, reason: 'missing' },
    ]);
    expect(summary).toMatchObject({ ok: true, mode: 'queued', repositories: 2, checked: 4, inSync: 1, queued: 3, filteredOut: 1, errors: [], notes: [] });
    // Planning reads manifests only.
    expect(blobRequests(world)).toEqual([]);
    expect(writes(world.dstProxy.requests)).toEqual([]);

    const queued = world.aws.sqs.messages(world.sqs.queueUrl);
    expect(queued).toHaveLength(3);
    const python = queued.map((m) => ({ ...m, job: decodeJob(m.body) })).find((m) => m.job.destinationTag === '3.12-b')!;
    expect(python.job).toMatchObject({
      source: `${world.srcProxy.host}/${s.prefix}/python:3.12-b@${s.python312b.digest}`,
      destinationRepository: `${BASE}/${s.prefix}/python`,
      destinationTag: '3.12-b',
      digest: s.python312b.digest,
    });
    expect(python.job.platform).toBeUndefined();
    expect(python.deduplicationId).toBe(`reconcile:${s.prefix}/python:3.12-b:${s.python312b.digest}`);

    // The worker (same handler) runs the queued jobs.
    const event: SQSEvent = await world.sqs.receive();
    expect(event.Records).toHaveLength(3);
    const response = (await handler(event)) as SQSBatchResponse;
    await world.sqs.settle(event, response);
    expect(response.batchItemFailures).toEqual([]);
    expect(await mirroredDigest(world, `${s.prefix}/python`, '3.12-b')).toBe(s.python312b.digest);
    expect(await mirroredDigest(world, `${s.prefix}/library/nginx`, '1.25')).toBe(s.nginx125.digest);

    world.srcProxy.requests.splice(0);
    world.dstProxy.requests.splice(0);
    const again = await invokeReconcile(handler);
    expect(again).toMatchObject({ ok: true, checked: 4, inSync: 4, queued: 0, plan: [] });
    expect(blobRequests(world)).toEqual([]);
    expect(writes(world.dstProxy.requests)).toEqual([]);
    expect(world.sqs.queued()).toBe(0);
    // Never deleted nor moved: the tag Root does not have.
    expect(await mirroredDigest(world, `${s.prefix}/library/nginx`, 'local-only')).toBe(s.localOnly.digest);

    const line = world.output.logsAt('INFO').filter((l) => l.message === 'reconcile finished').at(-1);
    expect(line).toMatchObject({ repositories: 2, checked: 4, in_sync: 4, queued: 0, filtered_out: 1, errors: 0 });
    const emf = world.output.emf().filter((doc) => 'ReconcileTagsChecked' in doc);
    expect(emf.map((doc) => [doc.ReconcileTagsChecked, doc.ReconcileTagsQueued])).toEqual([
      [4, 3],
      [4, 0],
    ]);
  });

  it('on a dry run plans the same and writes nothing: no message, no ECR change, no registry write', async () => {
    const s = await seedScenario(world);
    const handler = await coldStart(world, { ALLOWED_REPOS: `${s.prefix}/python:3.12-*,${s.prefix}/library/*` });
    const ecrCallsBefore = world.aws.ecr.calls.length;
    world.dstProxy.requests.splice(0);

    const summary = await invokeReconcile(handler, { dryRun: true });

    expect(summary).toMatchObject({ ok: true, dryRun: true, checked: 4, inSync: 1, queued: 0 });
    expect(summary.plan.map((p) => `${p.repository}:${p.tag}`)).toEqual([
      `${s.prefix}/library/nginx:1.25`,
      `${s.prefix}/library/nginx:1.26`,
      `${s.prefix}/python:3.12-b`,
    ]);
    expect(world.aws.sqs.callsTo('SendMessage')).toEqual([]);
    expect(world.aws.sqs.callsTo('SendMessageBatch')).toEqual([]);
    const ecrOps = world.aws.ecr.calls.slice(ecrCallsBefore).map((c) => c.op);
    expect(new Set(ecrOps)).toEqual(new Set(['ListImages', 'DescribeRepositories']));
    expect(writes(world.dstProxy.requests)).toEqual([]);
  });

  it('narrows the scope to the event\'s repos and never widens it past allowed_repos', async () => {
    const s = await seedScenario(world);
    const handler = await coldStart(world, { ALLOWED_REPOS: `${s.prefix}/python:3.12-*,${s.prefix}/library/*` });

    const python = await invokeReconcile(handler, { repos: [`${s.prefix}/python`, `${s.prefix}/golang`], dryRun: true });
    expect(python.plan.map((p) => `${p.repository}:${p.tag}`)).toEqual([`${s.prefix}/python:3.12-b`]);
    expect(python).toMatchObject({ repositories: 1, filteredOut: 1 });

    const globbed = await invokeReconcile(handler, { repos: [`${s.prefix}/library/*:1.26`], dryRun: true });
    expect(globbed.plan.map((p) => `${p.repository}:${p.tag}`)).toEqual([`${s.prefix}/library/nginx:1.26`]);
  });

  it('brings an untouched mirrored repository\'s policy up to a changed base, and leaves a hand-edited one alone as drift', async () => {
    unique += 1;
    const prefix = `pol${unique}`;
    seedBase(world);
    await pushSource(world, `${prefix}/kept`, 'v1');
    await pushSource(world, `${prefix}/edited`, 'v1');
    const handler = await coldStart(world, { ALLOWED_REPOS: `${prefix}/*` });
    // Mirrored by the worker, which records what it copied on each repository's marker tag.
    expect(await invokeReconcile(handler)).toMatchObject({ queued: 2 });
    const event = await world.sqs.receive();
    await world.sqs.settle(event, (await handler(event)) as SQSBatchResponse);

    const changed = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'changed', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: ['ecr:BatchGetImage'] }] });
    const byHand = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'byhand', Effect: 'Deny', Principal: '*', Action: ['ecr:*'] }] });
    world.aws.ecr.repositories.get(BASE)!.policyText = changed;
    world.aws.ecr.repositories.get(`${BASE}/${prefix}/edited`)!.policyText = byHand;

    const summary = await invokeReconcile(handler);

    expect(summary).toMatchObject({ ok: true, inSync: 2, queued: 0 });
    expect(world.aws.ecr.repositories.get(`${BASE}/${prefix}/kept`)?.policyText).toBe(changed);
    expect(world.aws.ecr.repositories.get(`${BASE}/${prefix}/edited`)?.policyText).toBe(byHand);
    expect(world.output.logsAt('WARN').find((l) => l.repository === `${BASE}/${prefix}/edited`)?.message).toMatch(/changed by hand/);
    expect(world.output.emf().some((doc) => doc.PolicyDrift === 1)).toBe(true);
  });

  it('writes no policy on a dry run', async () => {
    unique += 1;
    const prefix = `poldry${unique}`;
    seedBase(world);
    await pushSource(world, `${prefix}/kept`, 'v1');
    await mirrorBeforehand(world, `${prefix}/kept`, 'v1');
    const handler = await coldStart(world, { ALLOWED_REPOS: `${prefix}/*` });
    world.aws.ecr.repositories.get(BASE)!.policyText = JSON.stringify({ Version: '2012-10-17', Statement: [] });
    const before = world.aws.ecr.calls.length;
    await invokeReconcile(handler, { dryRun: true });
    const written = world.aws.ecr.calls.slice(before).filter((c) => /^(Set|Put|Delete|Tag|Create)/.test(c.op));
    expect(written).toEqual([]);
  });

  it('answers a clear summary for a bad request instead of failing the invocation', async () => {
    const handler = await coldStart(world);
    const summary = await invokeReconcile(handler, { repos: ['Not A Repo'] });
    expect(summary).toMatchObject({ ok: false, error: { code: 'RECONCILE_REQUEST_INVALID' } });
    expect(summary.error?.message).toContain('Not A Repo');
  });

  it('answers misconfiguration in the summary, so terraform apply does not fail', async () => {
    const handler = await coldStart(world, { DST_REPO: 'Bad Name' });
    const summary = await invokeReconcile(handler);
    expect(summary).toMatchObject({ ok: false, error: { code: 'CONFIG_INVALID' } });
    expect(summary.error?.message).toContain('DST_REPO');
  });
});

