// The built CLI's `copy` as a person runs it: Docker config credentials, --json, exit codes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDockerConfig, type DockerConfigDir } from '../support/docker-config.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { fetchManifest, manifestExists, pushMultiArchImage, pushRandomImage } from '../support/images.js';
import { pushArtifact, pushCosignAttachment } from '../support/referrer-fixtures.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { CLI, runCli, runProcess } from './run-cli.js';

const USER = { username: 'ci', password: 'ci-pass' };
let src: TestRegistry;
let dst: TestRegistry;
let config: DockerConfigDir;

beforeAll(async () => {
  [src, dst] = await Promise.all([startRegistry({ auth: 'basic', users: { ci: 'ci-pass' } }), startRegistry()]);
  config = await writeDockerConfig({ [src.host]: USER });
});
afterAll(async () => {
  await Promise.all([src?.stop(), dst?.stop(), config?.remove()]);
});

describe('node dist/cli.mjs copy', () => {
  it('says on stderr which request it retries and when, and counts the retries in --json', async () => {
    const image = await pushRandomImage(dst.url, 'app/flaky', 'v1');
    const proxy = await startFaultProxy(dst.url);
    try {
      proxy.rules = [{ method: 'GET', path: /\/manifests\/v1$/, status: 503, times: 1 }];
      const result = await runCli(['copy', `${proxy.host}/app/flaky:v1`, `${dst.host}/mirror/flaky:v1`, '--json']);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toMatch(new RegExp(`^retry 1 of ${proxy.host.replace('.', '\\.')}: GET http://\\S+/v2/app/flaky/manifests/v1 answered 503 .*; trying again in \\d+\\.\\d s\\n$`));
      expect(JSON.parse(result.stdout)).toMatchObject({ digest: image.digest, retries: 1 });
    } finally {
      await proxy.stop();
    }
  });

  it('copies with credentials from $DOCKER_CONFIG and prints the summary as JSON', async () => {
    const image = await pushRandomImage(src.url, 'app/web', '1.0', { auth: USER });
    const result = await runCli(['copy', `${src.host}/app/web:1.0`, `${dst.host}/mirror/web`, '--json'], { DOCKER_CONFIG: config.dir });
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({ digest: image.digest, blobsCopied: 3, upToDate: false, bytesCopied: image.totalBytes });
    expect(typeof summary.durationMs).toBe('number');
    // A destination without a tag takes the source's.
    expect((await fetchManifest(dst.url, 'mirror/web', '1.0')).digest).toBe(image.digest);
  });

  it('copies the signature and SBOM with the image, lists them with --json, and leaves them with --no-referrers', async () => {
    const image = await pushRandomImage(src.url, 'app/signed', 'v1', { auth: USER });
    const sig = await pushCosignAttachment(src.url, 'app/signed', image.digest, 'sig', USER);
    const subject = { mediaType: image.mediaType, digest: image.digest, size: image.manifestBytes.length };
    const sbom = await pushArtifact(src.url, 'app/signed', subject, 'application/spdx+json', Buffer.from('{"spdxVersion":"SPDX-2.3"}'), { auth: USER });

    const result = await runCli(['copy', `${src.host}/app/signed:v1`, `${dst.host}/app/signed:v1`, '--json'], { DOCKER_CONFIG: config.dir });
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as { referrers: { copied: number; refused: number; items: unknown[] } };
    expect(summary.referrers).toMatchObject({ copied: 2, refused: 0, destinationIndex: 'tag-schema' });
    expect(summary.referrers.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ digest: sig.digest, tag: sig.tag, via: 'cosign-tag', outcome: 'copied' }),
        expect.objectContaining({ digest: sbom.digest, subject: image.digest, artifactType: 'application/spdx+json', via: 'tag-schema', outcome: 'copied' }),
      ]),
    );
    expect((await fetchManifest(dst.url, 'app/signed', sig.tag!)).digest).toBe(sig.digest);

    const alone = await runCli(['copy', `${src.host}/app/signed:v1`, `${dst.host}/app/alone:v1`, '--no-referrers', '--json'], { DOCKER_CONFIG: config.dir });
    expect(alone.code).toBe(0);
    expect(JSON.parse(alone.stdout)).not.toHaveProperty('referrers');
    expect(await manifestExists(dst.url, 'app/alone', sig.tag!)).toBe(false);

    const plain = await runCli(['copy', `${src.host}/app/signed:v1`, `${dst.host}/app/signed:v1`], { DOCKER_CONFIG: config.dir });
    expect(plain.stdout).toMatch(/already up to date; 0 referrers copied, 2 already there in/);
  });

  it('copies one platform with --platform', async () => {
    const index = await pushMultiArchImage(src.url, 'app/multi', 'v1', { platforms: ['linux/amd64', 'linux/arm64/v8'], auth: USER });
    const arm = index.children.find((c) => c.platform.architecture === 'arm64')!;
    const result = await runCli(['copy', `${src.host}/app/multi:v1`, `${dst.host}/app/multi:arm`, '--platform', 'linux/arm64', '--json'], {
      DOCKER_CONFIG: config.dir,
    });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ digest: arm.digest, platform: 'linux/arm64' });
  });

  it('prints a one-line summary without --json', async () => {
    await pushRandomImage(src.url, 'app/plain', 'v1', { auth: USER });
    const result = await runCli(['copy', `${src.host}/app/plain:v1`, `${dst.host}/app/plain:v1`], { DOCKER_CONFIG: config.dir });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/app\/plain:v1@sha256:[a-f0-9]{64}: 3 blobs copied/);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('shows progress on stderr when it is a terminal, and none when it is not', async () => {
    await pushRandomImage(src.url, 'app/tty', 'v1', { auth: USER });
    const command = `${process.execPath} ${CLI} copy ${src.host}/app/tty:v1 ${dst.host}/app/tty:v1`;
    // util-linux script(1) runs the command on a pseudo-terminal.
    const onTerminal = await runProcess('script', ['-qec', command, '/dev/null'], { DOCKER_CONFIG: config.dir });
    expect(onTerminal.code).toBe(0);
    expect(onTerminal.stdout).toMatch(/resolved sha256:[a-f0-9]{64} \(application\/vnd\.oci\.image\.manifest\.v1\+json\), 3 blobs/);
    expect(onTerminal.stdout).toMatch(/\[3\/3\] (copied|skipped)/);

    const piped = await runCli(['copy', `${src.host}/app/tty:v1`, `${dst.host}/app/tty:v2`], { DOCKER_CONFIG: config.dir });
    expect(piped.stderr).toBe('');
  });

  it('exits 1 with a one-line reason when the registry refuses', async () => {
    const result = await runCli(['copy', `${src.host}/app/none:v1`, `${dst.host}/app/none:v1`], { DOCKER_CONFIG: config.dir });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^error: .*404.*MANIFEST_UNKNOWN/);
  });

  it('never prints the credentials a registry echoes back', async () => {
    const front = await startFaultProxy(src.url);
    const echoing = await writeDockerConfig({ [front.host]: USER });
    try {
      const echo = (request: { headers: Record<string, unknown> }) =>
        JSON.stringify({ errors: [{ code: 'DENIED', message: `you sent ${String(request.headers.authorization)}` }] });
      front.rules = [{ method: 'GET', path: /\/manifests\//, status: 400, body: echo }];
      const result = await runCli(['copy', `${front.host}/app/echo:v1`, `${dst.host}/app/echo:v1`], { DOCKER_CONFIG: echoing.dir });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/you sent Basic \[REDACTED\]/);
      expect(result.stderr).not.toContain(Buffer.from(`${USER.username}:${USER.password}`).toString('base64'));
      expect(result.stderr).not.toContain(USER.password);
    } finally {
      await Promise.all([front.stop(), echoing.remove()]);
    }
  });

  it('exits 2 (bad usage) naming the bad part of an invalid reference', async () => {
    const result = await runCli(['copy', `${src.host}/App:v1`, `${dst.host}/x:v1`]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/invalid repository "App"/);
  });

  it('exits 2 on bad usage and documents every flag in --help', async () => {
    expect((await runCli(['copy', 'only-one'])).code).toBe(2);
    expect((await runCli(['frobnicate'])).code).toBe(2);
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const flag of ['--platform', '--json', '--concurrency', '--no-referrers', '--port', '--image', '--digest', '--arch', '--registry', '--secret']) {
      expect(help.stdout).toContain(flag);
    }
  });
});
