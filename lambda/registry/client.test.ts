import { describe, expect, it } from 'vitest';
import { RegistryClient } from './client.js';
import { anonymous } from './credentials.js';
import { InvalidReferenceError } from './reference.js';

describe('RegistryClient paths', () => {
  // Port 9 on loopback refuses connections: a request made at all would fail differently.
  const client = new RegistryClient('127.0.0.1:9', { credentials: anonymous, actions: 'pull,push' });

  it.each([
    ['a tag with a path in it', () => client.headManifest('team/app', '../../other/manifests/latest')],
    ['a repository with ..', () => client.getManifest('team/../other', 'v1')],
    ['a blob that is not a digest', () => client.blobExists('team/app', '../manifests/v1')],
  ])('refuses %s before sending anything', async (_, call) => {
    await expect(call()).rejects.toThrow(InvalidReferenceError);
  });
});
