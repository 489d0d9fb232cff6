// Bearer tokens against a real registry and token server: cached per scope, refreshed once when expired.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryAuth } from '../../lambda/registry/auth.js';
import { credentialsFor } from '../../lambda/registry/credentials.js';
import { registryBaseUrl } from '../../lambda/registry/scheme.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { startTokenServer, type TokenServer } from '../support/token-server.js';

const USER = { username: 'mirror', password: 'pw' };
let tokens: TokenServer;
let registry: TestRegistry;

beforeAll(async () => {
  tokens = await startTokenServer({ users: { [USER.username]: USER.password }, expiresIn: 300 });
  registry = await startRegistry({ auth: 'bearer', tokenServer: tokens });
});
afterAll(async () => {
  await Promise.all([registry?.stop(), tokens?.stop()]);
});

describe('RegistryAuth with Bearer tokens', () => {
  it('fetches one token per scope set, reuses it, and replaces an expired one exactly once', async () => {
    let clock = Date.now();
    const auth = new RegistryAuth(registry.host, registryBaseUrl(registry.host), credentialsFor(registry.host, USER), {
      idleTimeoutMs: 5_000,
      now: () => clock,
    });
    const scopes = ['repository:a/b:pull,push'];
    const before = tokens.requests.length;

    const first = await auth.authorization(scopes);
    expect(first).toMatch(/^Bearer /);
    await Promise.all(Array.from({ length: 5 }, () => auth.authorization(scopes)));
    expect(tokens.requests.length - before).toBe(1);

    await auth.authorization(['repository:other:pull']);
    expect(tokens.requests.length - before).toBe(2);

    clock += 301_000;
    const refreshed = await Promise.all(Array.from({ length: 5 }, () => auth.authorization(scopes)));
    expect(tokens.requests.length - before).toBe(3);
    expect(new Set(refreshed).size).toBe(1);
  });

  it('asks the token realm, with the credentials, for exactly the scopes needed', async () => {
    const auth = new RegistryAuth(registry.host, registryBaseUrl(registry.host), credentialsFor(registry.host, USER), { idleTimeoutMs: 5_000 });
    const before = tokens.requests.length;
    await auth.authorization(['repository:c/d:pull']);
    const request = tokens.requests.slice(before)[0];
    expect(request?.user).toBe(USER.username);
    expect(request?.scopes).toEqual(['repository:c/d:pull']);
  });
});
