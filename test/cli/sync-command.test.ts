// The built CLI's `sync` as an operator runs it for a one-off backfill: configured like serve,
// no queue, so it copies the planned tags itself; --dry-run writes nothing; --json is the
// Lambda summary; a second sync finds everything in sync without touching a blob.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { fetchManifest, manifestExists, pushRandomImage, type PushedImage } from '../support/images.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { CLI, runCli, runProcess } from './run-cli.js';

const ROOT = { username: 'root', password: 'root-key-for-sync' };
let src: TestRegistry;
let dst: TestRegistry;
let dstProxy: FaultProxy;
const images: Record<string, PushedImage> = {};

beforeAll(async () => {
  [src, dst] = await Promise.all([startRegistry({ auth: 'basic', users: { root: ROOT.password } }), startRegistry()]);
  dstProxy = await startFaultProxy(dst.url);
  for (const [repo, tag] of [
    ['python', '3.12-a'],
    ['python', '3.12-b'],
    ['python', '3.11-a'],
    ['library/redis', '7'],
  ] as const) {
    images[`${repo}:${tag}`] = await pushRandomImage(src.url, repo, tag, { auth: ROOT });
  }
});
afterAll(async () => {
  await dstProxy?.stop();
  await Promise.all([src?.stop(), dst?.stop()]);
});

const env = (extra: Record<string, string> = {}) => ({
  ROOT_REGISTRY_HOST: src.host,
  ROOT_API_KEY: ROOT.password,
  DST_REGISTRY: dstProxy.host,
  DST_REPO: 'mirror',
  ALLOWED_REPOS: 'python:3.12-*,library/*',
  // No AWS is needed with DST_REGISTRY and no QUEUE_URL; refuse any attempt.
  AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
  AWS_REGION: 'eu-west-1',
  ...extra,
});

const blobRequests = () => dstProxy.requests.filter((r) => r.url.includes('/blobs/'));

describe('node dist/cli.mjs sync', () => {
  it('with --dry-run prints the plan as the Lambda summary and writes nothing', async () => {
    dstProxy.requests.splice(0);
    const result = await runCli(['sync', '--dry-run', '--json'], env());
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({ ok: true, dryRun: true, mode: 'copied', checked: 3, inSync: 0, queued: 0, filteredOut: 1 });
    expect(summary.plan).toEqual([
      { repository: 'library/redis', tag: '7', digest: images['library/redis:7']!.digest, reason: 'missing' },
      { repository: 'python', tag: '3.12-a', digest: images['python:3.12-a']!.digest, reason: 'missing' },
      { repository: 'python', tag: '3.12-b', digest: images['python:3.12-b']!.digest, reason: 'missing' },
    ]);
    expect(dstProxy.requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD')).toEqual([]);
    expect(await manifestExists(dst.url, 'mirror/python', '3.12-a')).toBe(false);
  });

  it('copies the plan itself without QUEUE_URL, then a second sync finds all in sync and moves no blob', async () => {
    const first = await runCli(['sync', 'python', '--json'], env());
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ ok: true, mode: 'copied', checked: 2, queued: 2, mirrored: 2, failed: 0 });
    expect((await fetchManifest(dst.url, 'mirror/python', '3.12-b')).digest).toBe(images['python:3.12-b']!.digest);
    expect(await manifestExists(dst.url, 'mirror/python', '3.11-a')).toBe(false);
    // The argument narrowed the scope: redis was left for later.
    expect(await manifestExists(dst.url, 'mirror/library/redis', '7')).toBe(false);

    dstProxy.requests.splice(0);
    const second = await runCli(['sync', 'python', '--json'], env());
    expect(JSON.parse(second.stdout)).toMatchObject({ ok: true, checked: 2, inSync: 2, queued: 0, plan: [] });
    expect(blobRequests()).toEqual([]);
  });

  it('prints one line per planned tag and a closing count without --json, and progress on a terminal', async () => {
    const plain = await runCli(['sync', '--dry-run', 'library/*'], env());
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/^would copy library\/redis:7 sha256:[a-f0-9]{64} \(missing\)\n1 repositories, 1 tags checked, 0 in sync, 1 to mirror \(dry run: nothing written\)/);

    const command = `${process.execPath} ${CLI} sync --dry-run library/*`;
    const vars = Object.entries(env()).map(([k, v]) => `${k}=${v}`);
    const onTerminal = await runProcess('script', ['-qec', `env ${vars.join(' ')} ${command}`, '/dev/null']);
    expect(onTerminal.stdout).toMatch(/\[1\/1\] library\/redis: 1 tags checked, 1 to mirror/);
  });

  it('says Root refused the key, exits 1, and does not crash', async () => {
    const result = await runCli(['sync', '--json'], env({ ROOT_API_KEY: 'wrong' }));
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, error: { code: 'ROOT_CREDENTIALS_REJECTED' } });
  });

  it('shows each copy\'s blobs and an overall line live on a terminal, and none when stderr is piped', async () => {
    const command = `${process.execPath} ${CLI} sync library/*`;
    const vars = Object.entries(env()).map(([k, v]) => `${k}=${v}`);
    const onTerminal = await runProcess('script', ['-qec', `env ${vars.join(' ')} ${command}`, '/dev/null']);
    expect(onTerminal.stdout).toMatch(/\[1\/1\] library\/redis: 1 tags checked, 1 to mirror/);
    expect(onTerminal.stdout).toMatch(/overall: \d+\/\d+ blobs, .* \d+%, /);
    expect(onTerminal.stdout).toMatch(/\[\d+\/\d+\] copied sha256:[a-f0-9]{12}/);
    expect(onTerminal.stdout).toMatch(/mirror\/library\/redis:7 copied /);
    expect((await fetchManifest(dst.url, 'mirror/library/redis', '7')).digest).toBe(images['library/redis:7']!.digest);

    const piped = await runCli(['sync', 'library/*'], env());
    expect(piped.code).toBe(0);
    expect(piped.stderr).not.toMatch(/overall:|\[\d+\/\d+\]/);
  });

  it.each([
    [['sync', '--bogus'], /^error: sync: unknown flag --bogus$/m],
    [['sync', 'Not A Repo'], /sync argument "Not A Repo"/],
    [['sync', '--concurrency', '0'], /--concurrency takes a whole number from 1 to 64/],
  ])('refuses bad usage %j with exit status 2', async (args, message) => {
    const result = await runCli(args, env());
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});
