// Registries that answer wrongly: a refusal from the storage a blob is redirected to, and answers
// too malformed to use (a token with CR/LF, an invalid Location or realm URL). Each is classified,
// and says which registry sent what.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { anonymous, credentialsFor } from '../../lambda/registry/credentials.js';
import { copyImage, type CopyOptions } from '../../lambda/registry/copy.js';
import { RegistryProtocolError, RegistryResponseError } from '../../lambda/registry/errors.js';
import { parseReference } from '../../lambda/registry/reference.js';
import { startBlobServer, type BlobServer } from '../support/blob-server.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { fetchManifest, pushRandomImage } from '../support/images.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { startTokenServer, type TokenServer } from '../support/token-server.js';
import { FAST_RETRY } from './fast-retry.js';

const open: CopyOptions = { sourceCredentials: anonymous, destinationCredentials: anonymous, retry: FAST_RETRY };
const BLOB_GET = /\/blobs\/sha256:[a-f0-9]{64}$/;
const S3_EXPIRED = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>';

let src: TestRegistry;
let dst: TestRegistry;
let srcProxy: FaultProxy;
let dstProxy: FaultProxy;
let storage: BlobServer;
/** In front of the storage, to make it refuse. */
let storageProxy: FaultProxy;

beforeAll(async () => {
  [src, dst] = await Promise.all([startRegistry(), startRegistry()]);
  storage = await startBlobServer({ upstream: src.url });
  [srcProxy, dstProxy, storageProxy] = await Promise.all([startFaultProxy(src.url), startFaultProxy(dst.url), startFaultProxy(storage.url)]);
});
afterAll(async () => {
  await Promise.all([srcProxy?.stop(), dstProxy?.stop(), storageProxy?.stop(), storage?.stop(), src?.stop(), dst?.stop()]);
});
beforeEach(() => {
  srcProxy.rules = [];
  dstProxy.rules = [];
  storageProxy.rules = [];
});

const from = (path: string) => parseReference(`${srcProxy.host}/${path}`);
const to = (path: string) => parseReference(`${dstProxy.host}/${path}`);
const blobGets = (proxy: FaultProxy) => proxy.requests.filter((r) => r.method === 'GET' && BLOB_GET.test(r.url)).length;

describe('a refusal from the storage a blob is redirected to', () => {
  it('is transient: the registry is asked again for a fresh redirect, and the copy succeeds', async () => {
    const image = await pushRandomImage(src.url, 'redirect/expired', 'v1', { layers: [30_000] });
    srcProxy.rules = [{ method: 'GET', path: BLOB_GET, redirectTo: storageProxy.url, redirectStatus: 307 }];
    const expired = { method: 'GET', path: BLOB_GET, times: 1, status: 403, body: S3_EXPIRED, headers: { 'content-type': 'application/xml' } };
    storageProxy.rules = [expired];
    const before = blobGets(srcProxy);

    await copyImage(from('redirect/expired:v1'), to('redirect/expired:v1'), open);

    expect(storageProxy.fired(expired)).toBe(1);
    // Two blobs (config and layer), one of them asked for twice at the registry.
    expect(blobGets(srcProxy) - before).toBe(3);
    expect((await fetchManifest(dst.url, 'redirect/expired', 'v1')).digest).toBe(image.digest);
  });

  it('that persists fails as transient, saying the storage refused and not blaming the credentials', async () => {
    await pushRandomImage(src.url, 'redirect/refused', 'v1', { layers: [30_000] });
    srcProxy.rules = [{ method: 'GET', path: BLOB_GET, redirectTo: storageProxy.url, redirectStatus: 307 }];
    storageProxy.rules = [{ method: 'GET', path: BLOB_GET, status: 403, body: S3_EXPIRED }];

    const error: unknown = await copyImage(from('redirect/refused:v1'), to('redirect/refused:v1'), open).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RegistryResponseError);
    expect(error).toMatchObject({ status: 403, failureClass: 'transient', code: 'REDIRECT_TARGET_REFUSED', fromRedirectTarget: true, registry: srcProxy.host });
    expect((error as Error).message).toContain(`the storage ${srcProxy.host} redirected to refused the link`);
    expect((error as Error).message).not.toMatch(/credentials lack permission/);
  });

  it('is only a host a download was redirected to: a 403 from an upload URL on another host stays permanent', async () => {
    await pushRandomImage(src.url, 'redirect/upload-host', 'v1');
    const uploadHost = await startFaultProxy(dst.url);
    try {
      dstProxy.rules = [{ method: 'POST', path: /\/blobs\/uploads\/$/, setHeaders: { location: `${uploadHost.url}/v2/redirect/upload-host/blobs/uploads/elsewhere` } }];
      uploadHost.rules = [{ method: 'PATCH', path: /\/blobs\/uploads\//, status: 403, body: JSON.stringify({ errors: [{ code: 'DENIED', message: 'denied' }] }) }];
      await expect(copyImage(from('redirect/upload-host:v1'), to('redirect/upload-host:v1'), open)).rejects.toMatchObject({
        status: 403,
        failureClass: 'permanent',
        code: 'DENIED',
        fromRedirectTarget: false,
      });
    } finally {
      await uploadHost.stop();
    }
  });

  it('a 403 from the registry itself stays permanent', async () => {
    await pushRandomImage(src.url, 'redirect/denied', 'v1');
    srcProxy.rules = [{ method: 'GET', path: /\/manifests\/v1$/, status: 403, body: JSON.stringify({ errors: [{ code: 'DENIED', message: 'denied' }] }) }];
    await expect(copyImage(from('redirect/denied:v1'), to('redirect/denied:v1'), open)).rejects.toMatchObject({
      status: 403,
      failureClass: 'permanent',
      code: 'DENIED',
      fromRedirectTarget: false,
    });
  });
});

describe('malformed answers are permanent and name the registry and the field', () => {
  it('an upload Location that is not a URL', async () => {
    await pushRandomImage(src.url, 'malformed/location', 'v1');
    const rule = { method: 'POST', path: /\/blobs\/uploads\/$/, setHeaders: { location: 'http://[not-a-host/v2/upload?_state=secret' } };
    dstProxy.rules = [rule];
    // One blob at a time, so that the count below is the retries of one.
    const error: unknown = await copyImage(from('malformed/location:v1'), to('malformed/location:v1'), { ...open, concurrency: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryProtocolError);
    expect(error).toMatchObject({ failureClass: 'permanent' });
    expect((error as Error).message).toContain(`${dstProxy.host} sent an invalid URL as the Location header`);
    expect((error as Error).message).not.toContain('secret');
    // Not retried.
    expect(dstProxy.fired(rule)).toBe(1);
  });

  it('a redirect Location that is not a URL', async () => {
    await pushRandomImage(src.url, 'malformed/redirect', 'v1');
    const rule = { method: 'GET', path: BLOB_GET, redirectTo: () => 'http://[broken' };
    srcProxy.rules = [rule];
    const error: unknown = await copyImage(from('malformed/redirect:v1'), to('malformed/redirect:v1'), { ...open, concurrency: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryProtocolError);
    expect(error).toMatchObject({ failureClass: 'permanent' });
    expect((error as Error).message).toMatch(new RegExp(`${srcProxy.host} sent an invalid URL as the Location header of its 307 redirect`));
    expect(srcProxy.fired(rule)).toBe(1);
  });

  it('a Bearer realm that is not a URL', async () => {
    await pushRandomImage(src.url, 'malformed/realm', 'v1');
    const rule = { method: 'GET', path: /^\/v2\/$/, rewriteStatus: 401, setHeaders: { 'www-authenticate': 'Bearer realm="https://[::1",service="x"' } };
    srcProxy.rules = [rule];
    const error: unknown = await copyImage(from('malformed/realm:v1'), to('malformed/realm:v1'), open).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryProtocolError);
    expect(error).toMatchObject({ failureClass: 'permanent' });
    expect((error as Error).message).toContain(`${srcProxy.host} sent an invalid URL as the realm of its Bearer challenge: "https://[::1"`);
    expect(srcProxy.fired(rule)).toBe(1);
  });
});

describe('a token that cannot be sent', () => {
  let tokens: TokenServer;
  let tokenProxy: FaultProxy;
  let locked: TestRegistry;

  beforeAll(async () => {
    tokens = await startTokenServer({ users: { u: 'p' } });
    tokenProxy = await startFaultProxy(tokens.url);
    locked = await startRegistry({ auth: 'bearer', tokenServer: tokens, realm: `${tokenProxy.url}/token` });
  });
  afterAll(async () => {
    await Promise.all([locked?.stop(), tokenProxy?.stop(), tokens?.stop()]);
  });

  it('with CR/LF in it is permanent, names the registry and the field, and never shows the token', async () => {
    const rule = { path: /^\/token/, rewriteBody: () => JSON.stringify({ token: 'abc\r\nX-Injected: yes', expires_in: 300 }) };
    tokenProxy.rules = [rule];
    const error: unknown = await copyImage(parseReference(`${locked.host}/crlf/app:v1`), to('crlf/app:v1'), {
      ...open,
      sourceCredentials: credentialsFor(locked.host, { username: 'u', password: 'p' }),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryProtocolError);
    expect(error).toMatchObject({ failureClass: 'permanent' });
    expect((error as Error).message).toContain(`the token server of ${locked.host} answered a "token" that cannot be sent in an Authorization header`);
    expect((error as Error).message).not.toContain('X-Injected');
    expect(tokenProxy.fired(rule)).toBe(1);
  });
});
