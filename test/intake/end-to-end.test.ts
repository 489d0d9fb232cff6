// A signed webhook all the way to an image in a destination registry, without a queue: inline and through `serve`.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../lambda/app.js';
import { startServe, type ServeHandle } from '../../lambda/cli/serve-command.js';
import { runCli } from '../cli/run-cli.js';
import { writeDockerConfig, type DockerConfigDir } from '../support/docker-config.js';
import { fetchManifest, pushMultiArchImage, pushRandomImage } from '../support/images.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { SECRET, rootEvent, signedRequest } from './signed-request.js';
import { captureOutput } from '../support/output.js';

// The function's JSON logs are captured, and printed only for a failed test.
captureOutput();

const ROOT = { username: 'root', password: 'root-api-key-123' };
let root: TestRegistry;
let dst: TestRegistry;
let emptyDockerConfig: DockerConfigDir;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  [root, dst] = await Promise.all([startRegistry({ auth: 'basic', users: { [ROOT.username]: ROOT.password } }), startRegistry()]);
  emptyDockerConfig = await writeDockerConfig({});
  env = {
    WEBHOOK_SECRET: SECRET,
    ROOT_API_KEY: ROOT.password,
    ROOT_REGISTRY_HOST: root.host,
    DST_REGISTRY: dst.host,
    DST_REPO: 'root-mirror',
    DOCKER_CONFIG: emptyDockerConfig.dir,
  };
});
afterAll(async () => {
  await Promise.all([root?.stop(), dst?.stop(), emptyDockerConfig?.remove()]);
});

describe('intake without a queue', () => {
  it('mirrors inline and answers 200 with the digest, which matches the source', async () => {
    const image = await pushRandomImage(root.url, 'library/nginx', '1.25.4-root', { auth: ROOT });
    const app = createApp(env);
    const event = rootEvent({ image_repo: 'library/nginx', image_tag: '1.25.4-root' }, { subject: `${root.host}/library/nginx:1.25.4-root` });
    const result = await app.intake(signedRequest({ body: JSON.stringify(event) }));
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body ?? '')).toEqual({ status: 'mirrored', digest: image.digest });
    expect((await fetchManifest(dst.url, 'root-mirror/library/nginx', '1.25.4-root')).digest).toBe(image.digest);
  });

  it('leaves the whole index in place for arch events on a multi-arch tag, one per architecture', async () => {
    const index = await pushMultiArchImage(root.url, 'python', '3.12-root', { platforms: ['linux/amd64', 'linux/arm64/v8'], auth: ROOT });
    const arm = index.children.find((c) => c.platform.architecture === 'arm64')!;
    const app = createApp(env);
    // Root's event for each remediated architecture, the second pinning that platform's manifest.
    const events = [
      rootEvent({ image_repo: 'python', image_tag: '3.12-root', arch: 'amd64' }, { subject: undefined }),
      rootEvent({ image_repo: 'python', image_tag: '3.12-root', arch: 'arm64/v8', image_digest: arm.digest }, { subject: undefined }),
    ];
    for (const event of events) {
      const result = await app.intake(signedRequest({ body: JSON.stringify(event) }));
      expect(result.statusCode).toBe(200);
      expect(JSON.parse(result.body ?? '')).toEqual({ status: 'mirrored', digest: index.digest });
      const tagged = await fetchManifest(dst.url, 'root-mirror/python', '3.12-root');
      expect(tagged.digest).toBe(index.digest);
      expect(Buffer.from(tagged.bytes).equals(Buffer.from(index.manifestBytes))).toBe(true);
    }
    for (const child of index.children) {
      expect((await fetchManifest(dst.url, 'root-mirror/python', child.digest)).digest).toBe(child.digest);
    }
  });

  it("copies a pinned platform manifest by digest only once Root's tag no longer lists it", async () => {
    const old = await pushMultiArchImage(root.url, 'golang', '1.22-root', { platforms: ['linux/amd64', 'linux/arm64/v8'], auth: ROOT });
    const oldAmd = old.children.find((c) => c.platform.architecture === 'amd64')!;
    const app = createApp(env);
    await app.intake(signedRequest({ body: JSON.stringify(rootEvent({ image_repo: 'golang', image_tag: '1.22-root' }, { subject: undefined })) }));
    const current = await pushMultiArchImage(root.url, 'golang', '1.22-root', { platforms: ['linux/amd64', 'linux/arm64/v8'], auth: ROOT });
    await app.intake(signedRequest({ body: JSON.stringify(rootEvent({ image_repo: 'golang', image_tag: '1.22-root' }, { subject: undefined })) }));

    // A late event for the old amd64 manifest: kept by digest, and the tag stays on Root's current index.
    const late = rootEvent({ image_repo: 'golang', image_tag: '1.22-root', arch: 'amd64', image_digest: oldAmd.digest }, { subject: undefined });
    const result = await app.intake(signedRequest({ body: JSON.stringify(late) }));
    expect(result.statusCode).toBe(200);
    expect((await fetchManifest(dst.url, 'root-mirror/golang', '1.22-root')).digest).toBe(current.digest);
    expect((await fetchManifest(dst.url, 'root-mirror/golang', oldAmd.digest)).digest).toBe(oldAmd.digest);
  });

  it('answers 5xx when the mirror fails, so the sender retries', async () => {
    const event = rootEvent({ image_repo: 'library/missing', image_tag: 'v1' }, { subject: undefined });
    const result = await createApp(env).intake(signedRequest({ body: JSON.stringify(event) }));
    expect(result.statusCode).toBeGreaterThanOrEqual(500);
    expect(result.body).not.toMatch(/MANIFEST_UNKNOWN|127\.0\.0\.1/);
  });
});

describe('serve and send-test-webhook', () => {
  let serve: ServeHandle | undefined;
  afterEach(async () => {
    await serve?.close();
    serve = undefined;
  });

  it('answers 202 to the CLI-signed webhook and mirrors in the background', async () => {
    const image = await pushRandomImage(root.url, 'library/redis', '7.2-root', { auth: ROOT });
    serve = await startServe(0, '127.0.0.1', env);
    const sent = await runCli(
      ['send-test-webhook', `http://127.0.0.1:${serve.port}/`, '--image', 'library/redis:7.2-root', '--registry', root.host, '--digest', image.digest],
      { WEBHOOK_SECRET: SECRET },
    );
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(/^202 \{"status":"queued"/);
    await serve.runner?.idle();
    expect((await fetchManifest(dst.url, 'root-mirror/library/redis', '7.2-root')).digest).toBe(image.digest);
  });

  it('refuses a webhook signed with another secret', async () => {
    serve = await startServe(0, '127.0.0.1', env);
    const sent = await runCli([
      'send-test-webhook',
      `http://127.0.0.1:${serve.port}/`,
      '--image',
      'library/redis:7.2-root',
      '--registry',
      root.host,
      '--secret',
      `whsec_${Buffer.from('not-the-secret').toString('base64')}`,
    ]);
    expect(sent.code).toBe(1);
    expect(sent.stdout).toMatch(/^401 /);
  });
});
