// What the built CLI says when something is wrong: flags, configuration, refusals, references.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import { writeDockerConfig, type DockerConfigDir } from '../support/docker-config.js';
import { pushRandomImage } from '../support/images.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { closeServer, findFreePort, listenOnLoopback } from '../support/net.js';
import { runCli } from './run-cli.js';

const USER = { username: 'ci', password: 'ci-pass' };
let src: TestRegistry;
let dst: TestRegistry;
const configs: DockerConfigDir[] = [];

beforeAll(async () => {
  [src, dst] = await Promise.all([startRegistry({ auth: 'basic', users: { ci: 'ci-pass' } }), startRegistry()]);
  await pushRandomImage(src.url, 'app/web', 'v1', { auth: USER });
});
afterAll(async () => {
  await Promise.all([src?.stop(), dst?.stop(), ...configs.map((c) => c.remove())]);
});

async function dockerConfig(content: object): Promise<string> {
  const config = await writeDockerConfig({});
  configs.push(config);
  await writeFile(join(config.dir, 'config.json'), JSON.stringify(content));
  return config.dir;
}

const oneLine = (text: string) => text.trim().split('\n');

describe('flags', () => {
  it.each([
    [['copy', 'a', 'b', '--frobnicate'], /^error: copy: unknown flag --frobnicate$/],
    [['serve', '--prot', '8080'], /^error: serve: unknown flag --prot$/],
    [['send-test-webhook', 'http://127.0.0.1:1/', '--imag', 'x:y'], /^error: send-test-webhook: unknown flag --imag$/],
    [['copy', 'a', 'b', '--json=yes'], /^error: copy: --json takes no value$/],
    [['copy', 'a', 'b', '--platform'], /^error: copy: --platform needs a value$/],
    [['sync', '--dry-rn'], /^error: sync: unknown flag --dry-rn$/],
    [['--frobnicate'], /^error: unknown flag --frobnicate$/],
  ])('%j prints one line and "run with --help", exit 2', async (args, message) => {
    const result = await runCli(args);
    expect(result.code).toBe(2);
    expect(oneLine(result.stderr)).toEqual([expect.stringMatching(message), 'run with --help for usage']);
  });

  it('refuses --platform foo with exit 2, before any request', async () => {
    const result = await runCli(['copy', `${src.host}/app/web:v1`, `${dst.host}/app/web:v1`, '--platform', 'foo']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: invalid platform "foo": expected os\/arch\[\/variant\]/);
  });

  it('prints the version with --version', async () => {
    const { version } = (await import('../../package.json', { with: { type: 'json' } })).default;
    for (const args of [['--version'], ['copy', '--version']]) {
      const result = await runCli(args);
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(`root-ecr-mirror ${version}\n`);
    }
  });

  it('documents --version, --host and the exit statuses in --help', async () => {
    const help = await runCli(['--help']);
    for (const text of ['--version', '--host', '130', 'WEBHOOK_SECRET']) expect(help.stdout).toContain(text);
  });
});

describe('configuration errors', () => {
  it('lists every problem, each naming its variable, and exits 2', async () => {
    const result = await runCli(['serve', '--port', '0'], {
      DST_REPO: 'Bad',
      ROOT_REGISTRY_HOST: 'https://cr.root.io',
      POWERTOOLS_LOG_LEVEL: 'LOUD',
      WEBHOOK_SECRET: 'whsec_',
    });
    expect(result.code).toBe(2);
    const lines = oneLine(result.stderr);
    expect(lines[0]).toBe('error: invalid configuration:');
    for (const name of ['DST_REPO "Bad"', 'ROOT_REGISTRY_HOST', 'POWERTOOLS_LOG_LEVEL "LOUD"', 'WEBHOOK_SECRET is 0 bytes']) {
      expect(lines.some((line) => line.startsWith(`- ${name}`)), `${name} in ${result.stderr}`).toBe(true);
    }
    expect(lines).toHaveLength(5);
  });
});

describe('copy refused with 401 says why', () => {
  it('names the Docker config file read when it has no entry for the host', async () => {
    const dir = await dockerConfig({ auths: {} });
    const result = await runCli(['copy', `${src.host}/app/web:v1`, `${dst.host}/app/web:v1`], { DOCKER_CONFIG: dir });
    expect(result.code).toBe(1);
    expect(oneLine(result.stderr)).toEqual([expect.stringMatching(`answered 401.*: no credentials for ${src.host} in ${join(dir, 'config.json')}; add an "auths" entry`)]);
  });

  it('says when the file does not exist', async () => {
    const dir = join(await dockerConfig({}), 'missing');
    const result = await runCli(['copy', `${src.host}/app/web:v1`, `${dst.host}/app/web:v1`], { DOCKER_CONFIG: dir });
    expect(result.stderr).toContain(`no credentials for ${src.host} in ${join(dir, 'config.json')} (the file does not exist)`);
  });

  it('says that credsStore and credHelpers are not run', async () => {
    const store = await dockerConfig({ credsStore: 'desktop' });
    const withStore = await runCli(['copy', `${src.host}/app/web:v1`, `${dst.host}/app/web:v1`], { DOCKER_CONFIG: store });
    expect(withStore.stderr).toMatch(/it has only "credsStore": "desktop", a credential helper this tool does not run/);
    const helpers = await dockerConfig({ credHelpers: { [src.host]: 'ecr-login' } });
    const withHelper = await runCli(['copy', `${src.host}/app/web:v1`, `${dst.host}/app/web:v1`], { DOCKER_CONFIG: helpers });
    expect(withHelper.stderr).toMatch(new RegExp(`its "credHelpers" entry for ${src.host} names a credential helper, which this tool does not run`));
  });

  it('says the credentials were sent and refused, naming the user and the file', async () => {
    const config = await writeDockerConfig({ [src.host]: { username: 'ci', password: 'wrong' } });
    configs.push(config);
    const result = await runCli(['copy', `${src.host}/app/web:v1`, `${dst.host}/app/web:v1`], { DOCKER_CONFIG: config.dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`${src.host} refused the credentials of user "ci" from ${join(config.dir, 'config.json')}`));
    expect(result.stderr).not.toContain('wrong');
  });
});

describe('copy references', () => {
  it('refuses a DST that is a registry host without a repository', async () => {
    const result = await runCli(['copy', `${src.host}/app/web:v1`, '127.0.0.1:5002']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: "127\.0\.0\.1:5002" names a registry host but no repository: write it as host\[:port\]\/repository\[:tag\]/);
  });

  it("refuses a digest in DST that is not SRC's, and accepts SRC's own", async () => {
    const config = await writeDockerConfig({ [src.host]: USER });
    configs.push(config);
    const image = await pushRandomImage(src.url, 'app/pinned', 'v1', { auth: USER });
    const other = `sha256:${'0'.repeat(64)}`;
    const wrong = await runCli(['copy', `${src.host}/app/pinned:v1`, `${dst.host}/app/pinned@${other}`], { DOCKER_CONFIG: config.dir });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(new RegExp(`DST names digest ${other}, but SRC is ${image.digest}`));
    const pinned = await runCli(['copy', `${src.host}/app/pinned@${image.digest}`, `${dst.host}/app/pinned@${other}`], { DOCKER_CONFIG: config.dir });
    expect(pinned.code).toBe(2);
    const same = await runCli(['copy', `${src.host}/app/pinned:v1`, `${dst.host}/app/pinned@${image.digest}`, '--json'], { DOCKER_CONFIG: config.dir });
    expect(same.code, same.stderr).toBe(0);
    expect(JSON.parse(same.stdout)).toMatchObject({ digest: image.digest });
  });
});

describe('send-test-webhook', () => {
  const SECRET = `whsec_${Buffer.alloc(24, 3).toString('base64')}`;

  it('prints the URL and exits 1 when nothing listens there', async () => {
    const port = await findFreePort();
    const url = `http://127.0.0.1:${port}/`;
    const result = await runCli(['send-test-webhook', url, '--image', 'library/nginx:1', '--secret', SECRET]);
    expect(result.code).toBe(1);
    expect(oneLine(result.stderr)).toEqual([`error: could not POST to ${url}: ECONNREFUSED`]);
  });

  it('prints the URL and exits 1 on a non-2xx answer', async () => {
    const server = createServer((_, res) => res.writeHead(404, { 'content-type': 'text/plain' }).end('no such hook'));
    const port = await listenOnLoopback(server);
    try {
      const url = `http://127.0.0.1:${port}/hook`;
      const result = await runCli(['send-test-webhook', url, '--image', 'library/nginx:1', '--secret', SECRET]);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('404 no such hook\n');
      expect(oneLine(result.stderr)).toEqual([`error: ${url} answered 404 Not Found`]);
    } finally {
      await closeServer(server);
    }
  });
});
