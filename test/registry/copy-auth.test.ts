// Credentials on both sides of a copy: Basic (htpasswd) and Bearer (token server), and who gets to see them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialsFor, type CredentialProvider } from '../../lambda/registry/credentials.js';
import { copyImage } from '../../lambda/registry/copy.js';
import { RegistryResponseError } from '../../lambda/registry/errors.js';
import { parseReference } from '../../lambda/registry/reference.js';
import { startBlobServer, type BlobServer } from '../support/blob-server.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { fetchManifest, pushRandomImage, type RegistryAuth } from '../support/images.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { startTokenServer, type TokenServer } from '../support/token-server.js';
import { FAST_RETRY } from './fast-retry.js';

const USER: RegistryAuth = { username: 'mirror', password: 's3cret-pass' };

let tokens: TokenServer;
let basic: TestRegistry;
let bearer: TestRegistry;

beforeAll(async () => {
  tokens = await startTokenServer({ users: { [USER.username]: USER.password }, anonymous: 'deny' });
  [basic, bearer] = await Promise.all([
    startRegistry({ auth: 'basic', users: { [USER.username]: USER.password } }),
    startRegistry({ auth: 'bearer', tokenServer: tokens }),
  ]);
});

afterAll(async () => {
  await Promise.all([basic?.stop(), bearer?.stop(), tokens?.stop()]);
});

/** Each host gets only its own credentials. */
function both(...hosts: string[]): CredentialProvider {
  return async (registry) => (hosts.includes(registry) ? { username: USER.username, password: USER.password } : undefined);
}

describe('authenticated copies', () => {
  it('copies from a Basic registry to a Bearer registry', async () => {
    const image = await pushRandomImage(basic.url, 'team/app', 'v1', { auth: USER });
    const before = tokens.requests.length;
    await copyImage(parseReference(`${basic.host}/team/app:v1`), parseReference(`${bearer.host}/mirror/team/app:v1`), {
      sourceCredentials: credentialsFor(basic.host, USER),
      destinationCredentials: credentialsFor(bearer.host, USER),
      retry: FAST_RETRY,
    });
    // One token reused for every call on the repository, not one per request.
    expect(tokens.requests.slice(before).map((r) => r.scopes)).toEqual([['repository:mirror/team/app:pull,push']]);
    expect((await fetchManifest(bearer.url, 'mirror/team/app', 'v1', USER)).digest).toBe(image.digest);
  });

  it('copies from a Bearer registry to a Basic registry with pull scope on the source', async () => {
    const image = await pushRandomImage(bearer.url, 'root/python', '3.12', { auth: USER });
    const before = tokens.requests.length;
    await copyImage(parseReference(`${bearer.host}/root/python:3.12`), parseReference(`${basic.host}/root-mirror/python:3.12`), {
      sourceCredentials: both(bearer.host),
      destinationCredentials: both(basic.host),
      retry: FAST_RETRY,
    });
    expect(tokens.requests.slice(before).flatMap((r) => r.scopes)).toEqual(['repository:root/python:pull']);
    expect((await fetchManifest(basic.url, 'root-mirror/python', '3.12', USER)).digest).toBe(image.digest);
  });

  it('asks for pull on the mount source and pull,push on the target in one token', async () => {
    const image = await pushRandomImage(bearer.url, 'mount/from', 'v1', { auth: USER });
    const before = tokens.requests.length;
    const summary = await copyImage(parseReference(`${bearer.host}/mount/from:v1`), parseReference(`${bearer.host}/mount/to:v1`), {
      sourceCredentials: both(bearer.host),
      destinationCredentials: both(bearer.host),
      retry: FAST_RETRY,
    });
    expect(summary).toMatchObject({ digest: image.digest, blobsMounted: 3 });
    const mountRequest = tokens.requests.slice(before).find((r) => r.scopes.length === 2);
    expect(mountRequest?.scopes.sort()).toEqual(['repository:mount/from:pull', 'repository:mount/to:pull,push']);
  });

  it('fails fast with the registry code when the credentials are wrong', async () => {
    await pushRandomImage(basic.url, 'wrong/creds', 'v1', { auth: USER });
    const attempt = copyImage(parseReference(`${basic.host}/wrong/creds:v1`), parseReference(`${bearer.host}/x/y:v1`), {
      sourceCredentials: credentialsFor(basic.host, { username: USER.username, password: 'nope' }),
      destinationCredentials: both(bearer.host),
      retry: FAST_RETRY,
    });
    await expect(attempt).rejects.toThrow(RegistryResponseError);
    await expect(attempt).rejects.toThrow(/401 \(UNAUTHORIZED/);
  });
});

describe('a token refused during a streamed upload', () => {
  it('drops the token, fetches a fresh one and re-sends the blob', async () => {
    const image = await pushRandomImage(basic.url, 'renew/app', 'v1', { auth: USER, layers: [30_000] });
    const front = await startFaultProxy(bearer.url);
    try {
      const challenge = `Bearer realm="${tokens.realm}",service="${tokens.service}",scope="repository:renew/app:pull,push"`;
      const expired = { method: 'PATCH', path: /\/blobs\/uploads\//, status: 401, times: 1, headers: { 'www-authenticate': challenge } };
      front.rules = [expired];
      const before = tokens.requests.length;

      await copyImage(parseReference(`${basic.host}/renew/app:v1`), parseReference(`${front.host}/renew/app:v1`), {
        sourceCredentials: credentialsFor(basic.host, USER),
        destinationCredentials: both(front.host),
        retry: FAST_RETRY,
        concurrency: 1,
      });

      expect(front.fired(expired)).toBe(1);
      expect(tokens.requests.slice(before).map((r) => r.scopes)).toEqual([['repository:renew/app:pull,push'], ['repository:renew/app:pull,push']]);
      const patches = front.requests.filter((r) => r.method === 'PATCH');
      expect(new Set(patches.map((r) => r.headers.authorization)).size).toBe(2);
      expect((await fetchManifest(bearer.url, 'renew/app', 'v1', USER)).digest).toBe(image.digest);
    } finally {
      await front.stop();
    }
  });
});

describe('redirected blob downloads', () => {
  let proxy: FaultProxy;
  let storage: BlobServer;

  beforeAll(async () => {
    storage = await startBlobServer();
    proxy = await startFaultProxy(basic.url);
  });
  afterAll(async () => {
    await Promise.all([proxy?.stop(), storage?.stop()]);
  });

  it('never forwards Authorization to the storage host a blob GET redirects to', async () => {
    const image = await pushRandomImage(basic.url, 'redirect/app', 'v1', { auth: USER, layers: [70_000, 80_000] });
    for (const [digest, bytes] of image.blobs) storage.blobs.set(digest, bytes);
    proxy.rules = [{ method: 'GET', path: /\/blobs\/sha256:/, redirectTo: storage.url, redirectStatus: 307 }];

    await copyImage(parseReference(`${proxy.host}/redirect/app:v1`), parseReference(`${bearer.host}/redirect/app:v1`), {
      sourceCredentials: credentialsFor(proxy.host, USER),
      destinationCredentials: both(bearer.host),
      retry: FAST_RETRY,
    });

    expect((await fetchManifest(bearer.url, 'redirect/app', 'v1', USER)).digest).toBe(image.digest);
    const gets = storage.requests.filter((r) => r.method === 'GET');
    expect(gets).toHaveLength(image.blobs.size);
    for (const request of gets) expect(request.headers.authorization).toBeUndefined();
    // The registry itself did get credentials: the test would prove nothing otherwise.
    expect(proxy.requests.some((r) => r.url.includes('/manifests/') && r.headers.authorization?.startsWith('Basic '))).toBe(true);
  });
});
