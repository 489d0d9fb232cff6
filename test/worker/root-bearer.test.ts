// Root behind Bearer auth, its token server on another host: a refused key is still recognised as Root's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretCache } from '../../lambda/config/secret-cache.js';
import { registryDestination } from '../../lambda/mirror/destination.js';
import { runMirrorJob } from '../../lambda/mirror/run-job.js';
import { parseAllowedRepos } from '../../lambda/webhook/allowed-repos.js';
import type { MirrorJob } from '../../lambda/mirror/job.js';
import { writeDockerConfig, type DockerConfigDir } from '../support/docker-config.js';
import { fetchManifest, pushRandomImage } from '../support/images.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { startTokenServer, type TokenServer } from '../support/token-server.js';
import { FAST_RETRY } from '../registry/fast-retry.js';

const KEY = 'root-api-key-right';
let tokens: TokenServer;
let root: TestRegistry;
let dst: TestRegistry;
let dockerConfig: DockerConfigDir;

beforeAll(async () => {
  tokens = await startTokenServer({ users: { root: KEY }, anonymous: 'deny' });
  [root, dst] = await Promise.all([startRegistry({ auth: 'bearer', tokenServer: tokens }), startRegistry()]);
  dockerConfig = await writeDockerConfig({});
});
afterAll(async () => {
  await Promise.all([root?.stop(), dst?.stop(), tokens?.stop(), dockerConfig?.remove()]);
});

function mirror(job: MirrorJob, rootApiKey: SecretCache) {
  return runMirrorJob(job, {
    rootRegistryHost: root.host,
    rootRegistryUsername: 'root',
    dstRepo: 'root-mirror',
    allowedRepos: parseAllowedRepos(undefined),
    rootApiKey,
    destination: registryDestination(dst.host, { DOCKER_CONFIG: dockerConfig.dir }),
    retry: FAST_RETRY,
  });
}

const jobFor = (repo: string): MirrorJob => ({
  source: `${root.host}/${repo}:v1`,
  destinationRepository: `root-mirror/${repo}`,
  destinationTag: 'v1',
  webhookId: `msg_${repo}`,
  eventId: `evt_${repo}`,
});

describe('Root behind a token server', () => {
  it('names the key to fix when the token server refuses it', async () => {
    await pushRandomImage(root.url, 'library/bearer', 'v1', { auth: { username: 'root', password: KEY } });
    const attempt = mirror(jobFor('library/bearer'), new SecretCache({ kind: 'value', value: 'wrong-key' }));
    await expect(attempt).rejects.toMatchObject({ code: 'ROOT_CREDENTIALS_REJECTED', failureClass: 'permanent' });
    await expect(attempt).rejects.toThrow(/refused the Root API key of user "root"/);
  });

  it('re-reads a rotated key the token server refuses, and mirrors with the new one', async () => {
    const image = await pushRandomImage(root.url, 'library/rotated', 'v1', { auth: { username: 'root', password: KEY } });
    let clock = 0;
    let reads = 0;
    const provider = { get: async () => (reads++ === 0 ? 'the-old-key' : KEY) } as never;
    const cache = new SecretCache({ kind: 'arn', arn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:key' }, provider, () => clock);
    await cache.get();
    clock = 2 * 60_000;

    const summary = await mirror(jobFor('library/rotated'), cache);
    expect(summary.digest).toBe(image.digest);
    expect(reads).toBe(2);
    expect((await fetchManifest(dst.url, 'root-mirror/library/rotated', 'v1')).digest).toBe(image.digest);
  });
});
