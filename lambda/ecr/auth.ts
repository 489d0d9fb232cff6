/**
 * Registry credentials for ECR from GetAuthorizationToken (ecr:GetAuthorizationToken).
 *
 * A token is valid for 12 hours; we reuse it until 5 minutes before it expires, so a
 * copy that starts with it does not outlive it, and concurrent callers share one request.
 */
import { GetAuthorizationTokenCommand, type ECRClient } from '@aws-sdk/client-ecr';
import type { Credentials, CredentialProvider } from '../registry/credentials.js';
import { registerCredentials, registerSecret } from '../redact.js';
import { ecrCall } from './classify.js';
import { EcrError } from './errors.js';

export const TOKEN_REFRESH_MARGIN_MS = 5 * 60_000;
/** Used only if ECR omits `expiresAt`: far below the documented 12 hours. */
const ASSUMED_LIFETIME_MS = 60 * 60_000;

export interface EcrCredentialsOptions {
  /** Epoch milliseconds; injectable for tests. */
  now?: () => number;
}

export interface EcrCredentials {
  /** `host[:port]` of the registry the token is for, the scheme stripped. */
  registryHost(): Promise<string>;
  /** The token's registry endpoint, e.g. `https://<account>.dkr.ecr.<region>.amazonaws.com`. */
  proxyEndpoint(): Promise<URL>;
  /** `AWS` and the token's password for the registry host; anonymous for every other host. */
  readonly credentialProvider: CredentialProvider;
  /** Forget the cached token, e.g. after the registry rejected it. */
  invalidate(): void;
}

interface Token {
  readonly endpoint: URL;
  readonly credentials: Credentials;
  readonly refreshAt: number;
}

export function createEcrCredentials(ecr: ECRClient, options: EcrCredentialsOptions = {}): EcrCredentials {
  const now = options.now ?? Date.now;
  let cached: Token | undefined;
  let inFlight: Promise<Token> | undefined;

  const token = async (): Promise<Token> => {
    if (cached && now() < cached.refreshAt) return cached;
    inFlight ??= fetchToken(ecr, now).then(
      (fresh) => {
        cached = fresh;
        inFlight = undefined;
        return fresh;
      },
      (error: unknown) => {
        inFlight = undefined;
        throw error;
      },
    );
    return inFlight;
  };

  return {
    registryHost: async () => (await token()).endpoint.host,
    proxyEndpoint: async () => new URL((await token()).endpoint),
    credentialProvider: async (registryHost) => {
      const { endpoint, credentials } = await token();
      return registryHost === endpoint.host ? credentials : undefined;
    },
    invalidate: () => {
      cached = undefined;
    },
  };
}

async function fetchToken(ecr: ECRClient, now: () => number): Promise<Token> {
  const { authorizationData } = await ecrCall({ operation: 'GetAuthorizationToken' }, () => ecr.send(new GetAuthorizationTokenCommand({})));
  const data = authorizationData?.[0];
  const decoded = data?.authorizationToken ? Buffer.from(data.authorizationToken, 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  if (!data?.proxyEndpoint || colon <= 0) {
    throw new EcrError('ECR GetAuthorizationToken returned no usable token (expected base64 "AWS:<password>" and a proxy endpoint)', {
      code: 'ECR_INVALID_AUTHORIZATION_TOKEN',
      failureClass: 'transient',
      operation: 'GetAuthorizationToken',
    });
  }
  // ECR answers `https://host`; tolerate a bare host the same way.
  const endpoint = new URL(/^[a-z]+:\/\//i.test(data.proxyEndpoint) ? data.proxyEndpoint : `https://${data.proxyEndpoint}`);
  const expiresAt = data.expiresAt?.getTime() ?? now() + ASSUMED_LIFETIME_MS;
  registerCredentials(decoded.slice(0, colon), decoded.slice(colon + 1));
  registerSecret(data.authorizationToken);
  return {
    endpoint,
    credentials: { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) },
    refreshAt: expiresAt - TOKEN_REFRESH_MARGIN_MS,
  };
}
