// Which registry answers a copy retries, proven against a real registry behind the fault proxy.
import { describe, expect, it } from 'vitest';
import { anonymous } from '../../lambda/registry/credentials.js';
import { copyImage, type CopyOptions } from '../../lambda/registry/copy.js';
import { parseReference } from '../../lambda/registry/reference.js';
import { fetchManifest, pushRandomImage } from '../support/images.js';
import { proxiedRegistries } from '../support/proxied-registries.js';
import { FAST_RETRY } from './fast-retry.js';

const open: CopyOptions = { sourceCredentials: anonymous, destinationCredentials: anonymous, retry: FAST_RETRY };
const registryError = (code: string, message: string) => JSON.stringify({ errors: [{ code, message }] });

const registries = proxiedRegistries();

const from = (path: string) => parseReference(`${registries.srcProxy.host}/${path}`);
const to = (path: string) => parseReference(`${registries.dstProxy.host}/${path}`);

describe('retry decisions against a registry', () => {
  it('starts a fresh upload when the registry lost the session (404 BLOB_UPLOAD_UNKNOWN)', async () => {
    const image = await pushRandomImage(registries.src.url, 'lost/session', 'v1', { layers: [10_000] });
    const lost = {
      method: 'PUT',
      path: /\/blobs\/uploads\//,
      times: 1,
      status: 404,
      body: registryError('BLOB_UPLOAD_UNKNOWN', 'blob upload unknown to registry'),
    };
    registries.dstProxy.rules = [lost];
    await copyImage(from('lost/session:v1'), to('lost/session:v1'), open);
    expect(registries.dstProxy.fired(lost)).toBe(1);
    expect((await fetchManifest(registries.dst.url, 'lost/session', 'v1')).digest).toBe(image.digest);
  });

  it('gives up at once on 501, which answers the same next time', async () => {
    await pushRandomImage(registries.src.url, 'not/implemented', 'v1');
    const rule = { method: 'GET', path: /\/manifests\/v1$/, status: 501, body: registryError('UNSUPPORTED', 'not implemented') };
    registries.srcProxy.rules = [rule];
    await expect(copyImage(from('not/implemented:v1'), to('not/implemented:v1'), open)).rejects.toMatchObject({
      failureClass: 'permanent',
      status: 501,
    });
    expect(registries.srcProxy.fired(rule)).toBe(1);
  });

  it('does not retry a 404 whose entries are not all transient', async () => {
    const rule = {
      method: 'GET',
      path: /\/manifests\/v1$/,
      status: 404,
      body: JSON.stringify({ errors: [{ code: 'BLOB_UPLOAD_UNKNOWN' }, { code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }),
    };
    registries.srcProxy.rules = [rule];
    await expect(copyImage(from('mixed/codes:v1'), to('mixed/codes:v1'), open)).rejects.toMatchObject({ failureClass: 'permanent' });
    expect(registries.srcProxy.fired(rule)).toBe(1);
  });
});
