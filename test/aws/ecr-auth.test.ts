// createEcrCredentials through the real ECRClient against the ECR stand-in, on a shared fake clock.
import { ECRClient } from '@aws-sdk/client-ecr';
import { beforeEach, describe, expect, it } from 'vitest';
import { createEcrCredentials, TOKEN_REFRESH_MARGIN_MS } from '../../lambda/ecr/auth.js';
import { withAwsStandIns } from './env.js';

const REGISTRY = 'http://127.0.0.1:5000';
const HOST = '127.0.0.1:5000';
const TOKEN_TTL_MS = 12 * 3600 * 1000;
let clock = 0;
const now = () => clock;

describe('createEcrCredentials', () => {
  const aws = withAwsStandIns({ ecr: { proxyEndpoint: REGISTRY, now } });
  const tokenCalls = () => aws.ecr.callsTo('GetAuthorizationToken').length;
  beforeEach(() => {
    clock = Date.UTC(2025, 0, 1);
  });

  it('offers AWS and the token password to the registry host only', async () => {
    const credentials = createEcrCredentials(new ECRClient({}), { now });

    await expect(credentials.registryHost()).resolves.toBe(HOST);
    expect((await credentials.proxyEndpoint()).href).toBe(`${REGISTRY}/`);
    await expect(credentials.credentialProvider(HOST)).resolves.toEqual({ username: 'AWS', password: 'ecr-token-1' });
    await expect(credentials.credentialProvider('registry-1.docker.io')).resolves.toBeUndefined();
    await expect(credentials.credentialProvider('127.0.0.1:5001')).resolves.toBeUndefined();
    expect(tokenCalls()).toBe(1);
  });

  it('reuses the token until five minutes before it expires, then fetches a new one', async () => {
    const credentials = createEcrCredentials(new ECRClient({}), { now });
    await credentials.credentialProvider(HOST);

    clock += TOKEN_TTL_MS - TOKEN_REFRESH_MARGIN_MS - 1;
    await expect(credentials.credentialProvider(HOST)).resolves.toEqual({ username: 'AWS', password: 'ecr-token-1' });
    expect(tokenCalls()).toBe(1);

    clock += 1;
    await expect(credentials.credentialProvider(HOST)).resolves.toEqual({ username: 'AWS', password: 'ecr-token-2' });
    expect(tokenCalls()).toBe(2);

    clock += 60_000;
    await credentials.registryHost();
    expect(tokenCalls()).toBe(2);
  });

  it('shares one request among concurrent callers', async () => {
    const credentials = createEcrCredentials(new ECRClient({}), { now });
    const answers = await Promise.all([
      credentials.credentialProvider(HOST),
      credentials.credentialProvider(HOST),
      credentials.registryHost(),
      credentials.proxyEndpoint(),
    ]);
    expect(answers[0]).toEqual(answers[1]);
    expect(tokenCalls()).toBe(1);
  });

  it('fetches again after invalidate()', async () => {
    const credentials = createEcrCredentials(new ECRClient({}), { now });
    await credentials.credentialProvider(HOST);
    credentials.invalidate();
    await expect(credentials.credentialProvider(HOST)).resolves.toMatchObject({ password: 'ecr-token-2' });
  });

  it('does not cache a failure, and names the IAM action when denied', async () => {
    const credentials = createEcrCredentials(new ECRClient({}), { now });
    aws.ecr.failNext('GetAuthorizationToken', { type: 'AccessDeniedException', message: 'not authorized' });

    const failure = await credentials.registryHost().catch((error: unknown) => error);
    expect(failure).toMatchObject({ failureClass: 'permanent', code: 'ECR_ACCESS_DENIED' });
    expect((failure as Error).message).toContain('"ecr:GetAuthorizationToken"');

    await expect(credentials.registryHost()).resolves.toBe(HOST);
  });
});

describe('createEcrCredentials against the real ECR endpoint shape', () => {
  const real = withAwsStandIns();

  it('strips the https scheme from the proxy endpoint', async () => {
    const credentials = createEcrCredentials(new ECRClient({}));
    const host = `${real.ecr.accountId}.dkr.ecr.${real.ecr.region}.amazonaws.com`;
    await expect(credentials.registryHost()).resolves.toBe(host);
    expect((await credentials.proxyEndpoint()).protocol).toBe('https:');
    await expect(credentials.credentialProvider(host)).resolves.toMatchObject({ username: 'AWS' });
  });
});
