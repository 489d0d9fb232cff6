// Proves the harness itself against the real registry, so a failing client test points
// at the client and not at its test setup.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBlobServer, type BlobServer } from './blob-server.js';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';
import {
  blobExists, fetchBlob, fetchManifest, pushBlob, pushLargeRandomImage, pushMultiArchImage, pushRandomImage, sha256Digest,
} from './images.js';
import { randomLayerDigest } from './large-image.js';
import { startRegistry, type TestRegistry } from './registry.js';
import { startTokenServer, type TokenServer } from './token-server.js';

const creds = { username: 'testuser', password: 'testpass' };
const basicHeader = `Basic ${Buffer.from('testuser:testpass').toString('base64')}`;
// Distribution 2.8 answers 404 for an OCI manifest unless the Accept header names OCI.
const accept = { accept: 'application/vnd.oci.image.manifest.v1+json' };
const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

describe('startRegistry', () => {
  it('starts many in parallel on distinct ports and cleans up on stop', async () => {
    const registries = await Promise.all([1, 2, 3, 4].map(() => startRegistry()));
    expect(new Set(registries.map((r) => r.host)).size).toBe(4);
    for (const r of registries) expect((await fetch(`${r.url}/v2/`)).status).toBe(200);
    await Promise.all(registries.map((r) => r.stop()));
    for (const r of registries) {
      expect(existsSync(r.storageDir)).toBe(false);
      await expect(fetch(`${r.url}/v2/`)).rejects.toThrow();
    }
  });

  it('basic mode rejects missing or wrong credentials and accepts the right ones', async () => {
    const registry = await startRegistry({ auth: 'basic' });
    try {
      const anonymous = await fetch(`${registry.url}/v2/`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
      const wrong = `Basic ${Buffer.from('testuser:nope').toString('base64')}`;
      expect((await fetch(`${registry.url}/v2/`, { headers: { authorization: wrong } })).status).toBe(401);
      expect((await fetch(`${registry.url}/v2/`, { headers: { authorization: basicHeader } })).status).toBe(200);
      const image = await pushRandomImage(registry.url, 'team/app', 'v1', { auth: creds });
      expect((await fetchManifest(registry.url, 'team/app', 'v1', creds)).digest).toBe(image.digest);
    } finally {
      await registry.stop();
    }
  });
});

describe('startTokenServer', () => {
  /** Runs `fn` with os.tmpdir() pointing at a fresh dir, and returns what is left in that dir. */
  async function leftInTmpdir(fn: () => Promise<unknown>): Promise<string[]> {
    const previous = process.env.TMPDIR;
    const dir = mkdtempSync(join(tmpdir(), 'harness-tmp-'));
    process.env.TMPDIR = dir;
    try {
      await fn();
      return readdirSync(dir);
    } finally {
      if (previous === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = previous;
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('removes its temp dir on stop', async () => {
    let certPath = '';
    const left = await leftInTmpdir(async () => {
      const tokens = await startTokenServer();
      certPath = tokens.certPath;
      expect(existsSync(certPath)).toBe(true);
      await tokens.stop();
    });
    expect(left).toEqual([]);
  });

  it('removes its temp dir when it cannot start (here: no openssl on PATH)', async () => {
    const path = process.env.PATH;
    const left = await leftInTmpdir(async () => {
      process.env.PATH = '/nonexistent';
      try {
        await expect(startTokenServer()).rejects.toThrow(/openssl|ENOENT/);
      } finally {
        process.env.PATH = path;
      }
    });
    expect(left).toEqual([]);
  });
});

describe('bearer registry with the token server', () => {
  let tokens: TokenServer;
  let registry: TestRegistry;
  beforeAll(async () => {
    tokens = await startTokenServer();
    registry = await startRegistry({ auth: 'bearer', tokenServer: tokens });
  });
  afterAll(async () => {
    await registry?.stop();
    await tokens?.stop();
  });

  it('challenges with the realm and service', async () => {
    const res = await fetch(`${registry.url}/v2/team/app/tags/list`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer realm="${tokens.realm}",service="${tokens.service}",scope="repository:team/app:pull"`,
    );
  });

  it('accepts the JWTs it issues end to end and logs the scopes asked for', async () => {
    tokens.requests.length = 0;
    const image = await pushRandomImage(registry.url, 'team/app', 'v1', { auth: creds });
    expect((await fetchManifest(registry.url, 'team/app', 'v1', creds)).digest).toBe(image.digest);
    expect(tokens.requests[0]).toMatchObject({ user: 'testuser', scopes: ['repository:team/app:pull,push'], status: 200 });
    expect(tokens.requests[0]?.headers.authorization).toBe(basicHeader);
  });

  it('rejects wrong passwords, ungranted scopes and expired tokens', async () => {
    const wrong = await fetch(`${tokens.realm}?service=${tokens.service}&scope=repository:team/app:pull`, {
      headers: { authorization: `Basic ${Buffer.from('testuser:nope').toString('base64')}` },
    });
    expect(wrong.status).toBe(401);
    // Anonymous gets a valid token with no access: the registry must answer insufficient_scope.
    const anonymous = (await (await fetch(`${tokens.realm}?service=${tokens.service}&scope=repository:team/app:pull`)).json()) as { token: string };
    const denied = await fetch(`${registry.url}/v2/team/app/tags/list`, { headers: { authorization: `Bearer ${anonymous.token}` } });
    expect(denied.status).toBe(401);
    expect(denied.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    const expired = tokens.issueToken('testuser', [{ type: 'repository', name: 'team/app', actions: ['pull'] }], -120);
    const late = await fetch(`${registry.url}/v2/team/app/tags/list`, { headers: { authorization: `Bearer ${expired}` } });
    expect(late.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('can announce a realm behind a fault proxy, so token fetches can fail too', async () => {
    const tokenProxy = await startFaultProxy(tokens.url, [{ path: /^\/token/, status: 503, times: 1 }]);
    const proxied = await startRegistry({ auth: 'bearer', tokenServer: tokens, realm: `${tokenProxy.url}/token` });
    try {
      const challenge = (await fetch(`${proxied.url}/v2/`)).headers.get('www-authenticate');
      expect(challenge).toContain(`realm="${tokenProxy.url}/token"`);
      await expect(pushRandomImage(proxied.url, 'team/app', 'v1', { auth: creds })).rejects.toThrow(/token request answered 503/);
      await pushRandomImage(proxied.url, 'team/app', 'v1', { auth: creds });
      expect(tokenProxy.requests.map((r) => r.status)).toEqual([503, 200]);
    } finally {
      await proxied.stop();
      await tokenProxy.stop();
    }
  });
});

describe('image helpers', () => {
  let registry: TestRegistry;
  beforeAll(async () => (registry = await startRegistry()));
  afterAll(async () => registry?.stop());

  it.each(['oci', 'docker'] as const)('round-trips a random %s image', async (format) => {
    const image = await pushRandomImage(registry.url, `rt/${format}`, 'v1', { layers: [100, 2000, 30_000], format });
    const fetched = await fetchManifest(registry.url, `rt/${format}`, 'v1');
    expect(fetched.digest).toBe(image.digest);
    expect(sha256Digest(fetched.bytes)).toBe(image.digest);
    expect(fetched.mediaType).toBe(image.mediaType);
    expect(image.totalBytes).toBe(32_100 + (image.blobs.get(image.configDigest)?.length ?? NaN));
    for (const digest of [image.configDigest, ...image.layerDigests]) {
      expect(await blobExists(registry.url, `rt/${format}`, digest)).toBe(true);
    }
    expect(await blobExists(registry.url, `rt/${format}`, `sha256:${'0'.repeat(64)}`)).toBe(false);
  });

  it.each(['oci', 'docker'] as const)('round-trips a multi-arch %s index with platforms', async (format) => {
    const repo = `rt/multi-${format}`;
    const index = await pushMultiArchImage(registry.url, repo, 'v1', { platforms: ['linux/amd64', 'linux/arm64/v8'], format });
    const fetched = await fetchManifest(registry.url, repo, 'v1');
    expect(fetched.mediaType).toBe(index.mediaType);
    expect(fetched.digest).toBe(index.digest);
    const parsed = JSON.parse(Buffer.from(fetched.bytes).toString()) as { manifests: Array<{ digest: string; platform: unknown }> };
    expect(parsed.manifests.map((m) => m.platform)).toEqual([
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64', variant: 'v8' },
    ]);
    for (const child of index.children) expect((await fetchManifest(registry.url, repo, child.digest)).digest).toBe(child.digest);
  });

  it('streams seeded large layers whose digests can be recomputed', async () => {
    const sizes = [3 * 1024 * 1024 + 5, 1000];
    const image = await pushLargeRandomImage(registry.url, 'rt/large', 'v1', { layers: sizes, seed: 'fixed' });
    expect(image.layerDigests).toEqual(sizes.map((size, i) => randomLayerDigest(`fixed/${i}`, size)));
    const layer = await fetchBlob(registry.url, 'rt/large', image.layerDigests[0] as string);
    expect(`sha256:${sha(layer)}`).toBe(image.layerDigests[0]);
    expect((await fetchManifest(registry.url, 'rt/large', 'v1')).digest).toBe(image.digest);
  });
});

describe('fault proxy', () => {
  let registry: TestRegistry;
  let proxy: FaultProxy;
  let blobServer: BlobServer;
  let layer: string;
  beforeAll(async () => {
    registry = await startRegistry();
    proxy = await startFaultProxy(registry.url);
    blobServer = await startBlobServer({ upstream: registry.url });
    layer = (await pushRandomImage(registry.url, 'fp/app', 'v1', { layers: [50_000] })).layerDigests[0] as string;
  });
  afterAll(async () => {
    await Promise.all([proxy?.stop(), blobServer?.stop()]);
    await registry?.stop();
  });
  const blobUrl = (): string => `${proxy.url}/v2/fp/app/blobs/${layer}`;

  it('fails a request twice with Retry-After, then passes it through', async () => {
    proxy.requests.length = 0;
    proxy.rules = [{ method: 'GET', path: /\/manifests\/v1$/, status: 503, retryAfter: 1, times: 2 }];
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${proxy.url}/v2/fp/app/manifests/v1`, { headers: { ...accept, 'x-attempt': String(i) } });
      await res.arrayBuffer();
      statuses.push(res.status);
      if (i < 2) expect(res.headers.get('retry-after')).toBe('1');
    }
    expect(statuses).toEqual([503, 503, 200]);
    expect(proxy.requests.map((r) => [r.rule, r.headers['x-attempt']])).toEqual([[0, '0'], [0, '1'], [undefined, '2']]);
  });

  it('corrupts a blob body without changing its length', async () => {
    proxy.rules = [{ method: 'GET', path: /\/blobs\/sha256:/, corrupt: true, times: 1 }];
    const bad = new Uint8Array(await (await fetch(blobUrl())).arrayBuffer());
    const good = new Uint8Array(await (await fetch(blobUrl())).arrayBuffer());
    expect(bad.length).toBe(50_000);
    expect(`sha256:${sha(bad)}`).not.toBe(layer);
    expect(`sha256:${sha(good)}`).toBe(layer);
  });

  it('rewrites upload Locations to itself so whole pushes go through it', async () => {
    proxy.rules = [];
    proxy.requests.length = 0;
    const post = await fetch(`${proxy.url}/v2/fp/app/blobs/uploads/`, { method: 'POST' });
    expect(post.headers.get('location')).toMatch(new RegExp(`^${proxy.url}/v2/fp/app/blobs/uploads/`));
    const digest = await pushBlob(proxy.url, 'fp/app', Buffer.from('through the proxy'));
    expect(proxy.requests.filter((r) => r.method === 'PUT').map((r) => r.status)).toEqual([201]);
    expect(await blobExists(registry.url, 'fp/app', digest)).toBe(true);
  });

  it('redirects to the blob server, which records the headers that reach it', async () => {
    proxy.rules = [{ method: 'GET', path: /\/blobs\//, redirectTo: blobServer.url }];
    const redirect = await fetch(blobUrl(), { redirect: 'manual', headers: { authorization: 'Bearer secret' } });
    expect(redirect.status).toBe(307);
    expect(redirect.headers.get('location')).toBe(`${blobServer.url}/v2/fp/app/blobs/${layer}`);
    const followed = await fetch(blobUrl(), { headers: { authorization: 'Bearer secret' } });
    expect(`sha256:${sha(new Uint8Array(await followed.arrayBuffer()))}`).toBe(layer);
    // fetch drops Authorization on a cross-origin redirect; the record is what lets a test prove its own client does too.
    expect(blobServer.requests.at(-1)?.headers.authorization).toBeUndefined();
    await fetch(`${blobServer.url}/v2/fp/app/blobs/${layer}`, { headers: { authorization: 'Bearer leaked' } }).then((r) => r.arrayBuffer());
    expect(blobServer.requests.at(-1)?.headers.authorization).toBe('Bearer leaked');
  });

  it('rewrites a status, drops and sets headers, and rewrites a body, keeping the rest of the answer', async () => {
    proxy.rules = [
      { method: 'GET', path: /\/manifests\/v1$/, rewriteStatus: 201, dropHeaders: ['Docker-Content-Digest'], setHeaders: { 'content-type': 'text/x-test' }, times: 1 },
      { method: 'GET', path: /\/manifests\/v1$/, rewriteBody: (body) => `${body.length} bytes`, times: 1 },
    ];
    const rewritten = await fetch(`${proxy.url}/v2/fp/app/manifests/v1`, { headers: accept });
    const original = await rewritten.text();
    expect(rewritten.status).toBe(201);
    expect(rewritten.headers.get('docker-content-digest')).toBeNull();
    expect(rewritten.headers.get('content-type')).toBe('text/x-test');
    expect(JSON.parse(original)).toHaveProperty('schemaVersion', 2);
    const replaced = await fetch(`${proxy.url}/v2/fp/app/manifests/v1`, { headers: accept });
    expect(await replaced.text()).toBe(`${Buffer.byteLength(original)} bytes`);
    expect(replaced.headers.get('content-length')).toBe(String(`${Buffer.byteLength(original)} bytes`.length));
    expect(replaced.headers.get('docker-content-digest')).toMatch(/^sha256:/);
  });

  it('fires a rule only on the requests its `when` accepts', async () => {
    const rule = { path: /\/manifests\/v1$/, when: (r: { headers: Record<string, unknown> }) => r.headers['x-fail'] === 'yes', status: 418 };
    proxy.rules = [rule];
    const passed = await fetch(`${proxy.url}/v2/fp/app/manifests/v1`, { headers: accept });
    await passed.arrayBuffer();
    const failed = await fetch(`${proxy.url}/v2/fp/app/manifests/v1`, { headers: { ...accept, 'x-fail': 'yes' } });
    await failed.arrayBuffer();
    expect([passed.status, failed.status]).toEqual([200, 418]);
    expect(proxy.fired(rule)).toBe(1);
  });

  it('resets connections, truncates bodies and delays', async () => {
    proxy.rules = [
      { path: /\/manifests\/reset$/, resetConnection: true },
      { method: 'GET', path: /\/blobs\//, truncateAfter: 1000, times: 1 },
      { path: /\/manifests\/v1$/, delayMs: 300, times: 1 },
    ];
    await expect(fetch(`${proxy.url}/v2/fp/app/manifests/reset`)).rejects.toThrow();
    const truncated = await fetch(blobUrl());
    expect(truncated.headers.get('content-length')).toBe('50000');
    await expect(truncated.arrayBuffer()).rejects.toThrow();
    const started = Date.now();
    expect((await fetch(`${proxy.url}/v2/fp/app/manifests/v1`, { headers: accept })).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });
});
