// Each registry quirk in lambda/registry/quirks.ts, imitated by the fault proxy in front of a
// real registry, and the list kept honest: every quirk has its test here, a `quirk <id>` comment
// where the code handles it, and a row in the README.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { anonymous, credentialsFor } from '../../lambda/registry/credentials.js';
import { copyImage, type CopyOptions } from '../../lambda/registry/copy.js';
import { QUIRKS, type QuirkId } from '../../lambda/registry/quirks.js';
import { parseReference } from '../../lambda/registry/reference.js';
import { startBlobServer } from '../support/blob-server.js';
import { startFaultProxy, type FaultProxy, type FaultRule } from '../support/fault-proxy.js';
import { fetchManifest, pushRandomImage } from '../support/images.js';
import { proxiedRegistries } from '../support/proxied-registries.js';
import { startRegistry } from '../support/registry.js';
import { startTokenServer } from '../support/token-server.js';
import { FAST_RETRY } from './fast-retry.js';

const open: CopyOptions = { sourceCredentials: anonymous, destinationCredentials: anonymous, retry: FAST_RETRY };
const BLOB_GET = /\/blobs\/sha256:[a-f0-9]{64}$/;
const tested = new Set<QuirkId>();

/** A test of one quirk, titled by its id and what the registry does. */
function quirk(id: QuirkId, test: () => Promise<void>): void {
  tested.add(id);
  it(`${id}: a registry that ${QUIRKS[id].what}`, test);
}

const registries = proxiedRegistries();

const from = (path: string) => parseReference(`${registries.srcProxy.host}/${path}`);
const to = (path: string) => parseReference(`${registries.dstProxy.host}/${path}`);
const uploads = (proxy: FaultProxy, method: string, since: number) =>
  proxy.requests.slice(since).filter((r) => r.method === method && r.url.includes('/blobs/uploads/'));

describe('registry quirks', () => {
  quirk('patchAnswered201', async () => {
    const image = await pushRandomImage(registries.src.url, 'quirk/patch201', 'v1');
    const created: FaultRule = { method: 'PATCH', path: /\/blobs\/uploads\//, rewriteStatus: 201 };
    registries.dstProxy.rules = [created];
    await copyImage(from('quirk/patch201:v1'), to('quirk/patch201:v1'), open);
    expect(registries.dstProxy.fired(created)).toBe(image.blobs.size);
    expect((await fetchManifest(registries.dst.url, 'quirk/patch201', 'v1')).digest).toBe(image.digest);
  });

  quirk('patchChunksDropped', async () => {
    const image = await pushRandomImage(registries.src.url, 'quirk/onepatch', 'v1', { layers: [200_000, 300_000] });
    const since = registries.dstProxy.requests.length;
    await copyImage(from('quirk/onepatch:v1'), to('quirk/onepatch:v1'), open);
    // One PATCH per blob, carrying all of it; the PUT that commits it carries nothing.
    const patches = uploads(registries.dstProxy, 'PATCH', since);
    expect(patches.map((r) => Number(r.headers['content-length'])).sort()).toEqual([...image.blobs.values()].map((b) => b.length).sort());
    const commits = uploads(registries.dstProxy, 'PUT', since);
    expect(commits).toHaveLength(image.blobs.size);
    for (const commit of commits) expect(commit.headers['content-length']).toBe('0');
  });

  quirk('headWithoutDigest', async () => {
    const image = await pushRandomImage(registries.src.url, 'quirk/nodigest', 'v1');
    await copyImage(from('quirk/nodigest:v1'), to('quirk/nodigest:v1'), open);
    const noDigest: FaultRule = { method: 'HEAD', path: /\/manifests\/v1$/, dropHeaders: ['docker-content-digest'] };
    registries.dstProxy.rules = [noDigest];
    const since = registries.dstProxy.requests.length;

    const again = await copyImage(from('quirk/nodigest:v1'), to('quirk/nodigest:v1'), open);

    expect(registries.dstProxy.fired(noDigest)).toBe(1);
    expect(again).toMatchObject({ upToDate: true, digest: image.digest });
    expect(registries.dstProxy.requests.slice(since).filter((r) => r.method === 'GET' && r.url.endsWith('/manifests/v1'))).toHaveLength(1);
  });

  quirk('tokenAsAccessToken', async () => {
    const tokens = await startTokenServer({ users: { u: 'p' }, anonymous: 'deny' });
    const tokenProxy = await startFaultProxy(tokens.url);
    const locked = await startRegistry({ auth: 'bearer', tokenServer: tokens, realm: `${tokenProxy.url}/token` });
    try {
      const user = { username: 'u', password: 'p' };
      const image = await pushRandomImage(locked.url, 'quirk/oauth', 'v1', { auth: user });
      const oauthOnly: FaultRule = {
        path: /^\/token/,
        rewriteBody: (body) => {
          const { token, ...rest } = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
          return JSON.stringify({ ...rest, access_token: token });
        },
      };
      tokenProxy.rules = [oauthOnly];
      await copyImage(parseReference(`${locked.host}/quirk/oauth:v1`), to('quirk/oauth:v1'), {
        ...open,
        sourceCredentials: credentialsFor(locked.host, user),
      });
      expect(tokenProxy.fired(oauthOnly)).toBeGreaterThan(0);
      expect((await fetchManifest(registries.dst.url, 'quirk/oauth', 'v1')).digest).toBe(image.digest);
    } finally {
      await Promise.all([locked.stop(), tokenProxy.stop(), tokens.stop()]);
    }
  });

  quirk('mediaTypeParametersRefused', async () => {
    const image = await pushRandomImage(registries.src.url, 'quirk/charset', 'v1');
    const withCharset: FaultRule = { method: 'GET', path: /\/manifests\/v1$/, setHeaders: { 'content-type': `${image.mediaType}; charset=utf-8` } };
    registries.srcProxy.rules = [withCharset];
    const since = registries.dstProxy.requests.length;
    await copyImage(from('quirk/charset:v1'), to('quirk/charset:v1'), open);
    expect(registries.srcProxy.fired(withCharset)).toBeGreaterThan(0);
    const pushed = registries.dstProxy.requests.slice(since).filter((r) => r.method === 'PUT' && r.url.includes('/manifests/'));
    expect(pushed.map((r) => r.headers['content-type'])).toEqual([image.mediaType]);
  });

  quirk('immutableTagRefusesSameDigest', async () => {
    const image = await pushRandomImage(registries.src.url, 'quirk/immutable', 'v1');
    await copyImage(from('quirk/immutable:v1'), to('quirk/immutable:v1'), open);
    // What ECR answers for any push to an immutable tag, the identical digest included.
    const immutable: FaultRule = {
      method: 'PUT',
      path: /\/manifests\/v1$/,
      status: 400,
      body: JSON.stringify({ errors: [{ code: 'TAG_INVALID', message: "The image tag 'v1' already exists in the 'quirk/immutable' repository and cannot be overwritten because the repository is immutable." }] }),
    };
    registries.dstProxy.rules = [immutable];
    const again = await copyImage(from('quirk/immutable:v1'), to('quirk/immutable:v1'), open);
    expect(again).toMatchObject({ upToDate: true, digest: image.digest });
    expect(registries.dstProxy.fired(immutable)).toBe(0);
  });

  quirk('blobRedirectRefusesAuthorization', async () => {
    const user = { username: 'u', password: 'p' };
    const locked = await startRegistry({ auth: 'basic', users: { u: 'p' } });
    const lockedProxy = await startFaultProxy(locked.url);
    try {
      const image = await pushRandomImage(locked.url, 'quirk/s3', 'v1', { auth: user });
      const storage = await startBlobServer({ blobs: image.blobs });
      const storageProxy = await startFaultProxy(storage.url);
      try {
        lockedProxy.rules = [{ method: 'GET', path: BLOB_GET, redirectTo: storageProxy.url, redirectStatus: 307 }];
        // S3's answer to a pre-signed URL that also carries Authorization.
        const twoMechanisms: FaultRule = {
          path: BLOB_GET,
          when: (request) => request.headers.authorization !== undefined,
          status: 400,
          body: '<Error><Code>InvalidArgument</Code><Message>Only one auth mechanism allowed</Message></Error>',
        };
        storageProxy.rules = [twoMechanisms];
        await copyImage(parseReference(`${lockedProxy.host}/quirk/s3:v1`), to('quirk/s3:v1'), {
          ...open,
          sourceCredentials: credentialsFor(lockedProxy.host, user),
        });
        expect(storageProxy.requests.filter((r) => r.method === 'GET')).toHaveLength(image.blobs.size);
        expect(storageProxy.fired(twoMechanisms)).toBe(0);
        expect((await fetchManifest(registries.dst.url, 'quirk/s3', 'v1')).digest).toBe(image.digest);
      } finally {
        await Promise.all([storageProxy.stop(), storage.stop()]);
      }
    } finally {
      await Promise.all([lockedProxy.stop(), locked.stop()]);
    }
  });
});

describe('the list of quirks', () => {
  const ids = Object.keys(QUIRKS) as QuirkId[];

  it('has a test for every quirk', () => {
    expect(ids.filter((id) => !tested.has(id))).toEqual([]);
  });

  it.each(ids)('%s is named where the code handles it, has a source and a README row', (id) => {
    const entry = QUIRKS[id];
    expect(readFileSync(entry.handledIn, 'utf8')).toMatch(new RegExp(`quirk ${id}\\b`, 'i'));
    expect(entry.sources.length).toBeGreaterThan(0);
    for (const source of entry.sources) expect(source).toMatch(/^https:\/\//);
    expect(readFileSync('README.md', 'utf8')).toContain(`\`${id}\``);
  });
});
