// What a reconcile answers when Root will not cooperate: a refused catalog is noted once and the
// rest goes on; a refused or missing key, or an unreachable Root, is one clear summary, never a crash.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { findFreePort } from '../support/net.js';
import { BASE, pushSource, seedBase, useWorld } from '../worker/fixtures.js';
import { coldStart, invokeReconcile, mirrorBeforehand } from './fixtures.js';

const world = useWorld();
let unique = 0;

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('a reconcile when Root refuses', () => {
  it('notes a refused catalog once, and still reconciles the exact names and what is mirrored already', async () => {
    const prefix = `cat${++unique}`;
    seedBase(world);
    const exact = await pushSource(world, `${prefix}/python`, '3.12');
    await pushSource(world, `${prefix}/library/nginx`, '1.25');
    const second = await pushSource(world, `${prefix}/library/nginx`, '1.26');
    await pushSource(world, `${prefix}/library/redis`, '7');
    await mirrorBeforehand(world, `${prefix}/library/nginx`, '1.25');
    world.srcProxy.rules = [{ method: 'GET', path: /^\/v2\/_catalog/, status: 403 }];
    const handler = await coldStart(world, { ALLOWED_REPOS: `${prefix}/python,${prefix}/library/*` });

    const summary = await invokeReconcile(handler, { dryRun: true });

    expect(summary.error).toBeUndefined();
    // redis is only in Root's catalog, which was refused: not in scope, and said so.
    expect(summary.plan.map((p) => `${p.repository}:${p.tag}@${p.digest}`)).toEqual([
      `${prefix}/library/nginx:1.26@${second.digest}`,
      `${prefix}/python:3.12@${exact.digest}`,
    ]);
    expect(summary).toMatchObject({ ok: true, repositories: 2, checked: 3, inSync: 1 });
    expect(summary.notes).toHaveLength(1);
    expect(summary.notes[0]).toMatch(/refused to list its repositories .*403.*reconciled only the exact names in allowed_repos and the repositories already mirrored/);
  });

  it('says the key was refused, once, when Root answers 401, and logs and counts it', async () => {
    const prefix = `key${++unique}`;
    await pushSource(world, `${prefix}/python`, '3.12');
    await pushSource(world, `${prefix}/golang`, '1.22');
    const handler = await coldStart(world, { ROOT_API_KEY: 'wrong-key', ALLOWED_REPOS: `${prefix}/python,${prefix}/golang` });

    const summary = await invokeReconcile(handler);

    expect(summary).toMatchObject({ ok: false, checked: 0, queued: 0, errors: [], error: { code: 'ROOT_CREDENTIALS_REJECTED' } });
    expect(summary.error?.message).toMatch(/answered 401; it refused the Root API key of user "root": put the right key in the secret named by ROOT_API_KEY_ARN/);
    expect(world.sqs.queued()).toBe(0);
    const line = world.output.logsAt('ERROR').find((l) => l.message === 'reconcile could not run');
    expect(line).toMatchObject({ code: 'ROOT_CREDENTIALS_REJECTED' });
    expect(JSON.stringify(world.output.logs())).not.toContain('wrong-key');
    expect(world.output.emf().find((doc) => 'ReconcileErrors' in doc)).toMatchObject({ ReconcileErrors: 1, ReconcileTagsChecked: 0 });
  });

  it('says no key is configured when the secret has no value yet (as Terraform creates it)', async () => {
    const prefix = `unset${++unique}`;
    await pushSource(world, `${prefix}/python`, '3.12');
    const arn = world.aws.secrets.seedSecret('root-ecr-mirror/root-api-key-unset', '');
    const handler = await coldStart(world, { ROOT_API_KEY: undefined, ROOT_API_KEY_ARN: arn, ALLOWED_REPOS: '' });

    const summary = await invokeReconcile(handler);

    expect(summary).toMatchObject({ ok: false, error: { code: 'ROOT_CREDENTIALS_REJECTED' } });
    expect(summary.error?.message).toContain('no Root API key is configured: set the secret named by ROOT_API_KEY_ARN');
  });

  it('says Root is unreachable, without a crash', async () => {
    const closed = await findFreePort();
    const handler = await coldStart(world, { ROOT_REGISTRY_HOST: `127.0.0.1:${closed}`, ALLOWED_REPOS: 'python,golang' });

    const summary = await invokeReconcile(handler);

    expect(summary).toMatchObject({ ok: false, checked: 0, error: { code: 'ROOT_UNREACHABLE' } });
    expect(summary.error?.message).toMatch(new RegExp(`Root's registry 127\\.0\\.0\\.1:${closed} could not be reached .*check the function's outbound network access`));
  });

  it('reports a repository Root does not have, and reconciles the others', async () => {
    const prefix = `gone${++unique}`;
    seedBase(world);
    const image = await pushSource(world, `${prefix}/python`, '3.12');
    const handler = await coldStart(world, { ALLOWED_REPOS: `${prefix}/python,${prefix}/no-such-repo` });

    const summary = await invokeReconcile(handler, { dryRun: true });

    expect(summary.plan).toEqual([{ repository: `${prefix}/python`, tag: '3.12', digest: image.digest, reason: 'missing' }]);
    expect(summary.ok).toBe(false);
    expect(summary.errors).toEqual([expect.objectContaining({ repository: `${prefix}/no-such-repo`, code: 'NAME_UNKNOWN' })]);
    expect(world.aws.ecr.repositories.has(`${BASE}/${prefix}/no-such-repo`)).toBe(false);
  });
});
