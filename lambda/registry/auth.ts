import { parseChallenge, type Challenge } from './challenge.js';
import type { CredentialProvider, Credentials } from './credentials.js';
import { RegistryProtocolError, RegistryResponseError } from './errors.js';
import { discardBody, header, readBody, sendRequest, type Deadline } from './http.js';
import { registerCredentials, registerSecret } from '../redact.js';
import { answeredUrl, assertSecureUrl } from './scheme.js';

/** Token lifetime assumed when the token server does not say (the token spec's default). */
const DEFAULT_TOKEN_SECONDS = 60;
/** Refresh a little early so a token does not expire mid-request. */
const EXPIRY_MARGIN_MS = 10_000;
const TOKEN_BODY_LIMIT = 64 * 1024;

interface CachedToken {
  readonly header: string;
  readonly expiresAt: number;
}

/** A token fetched or being fetched; `expiresAt` is known once it arrived. */
interface TokenEntry {
  readonly token: Promise<CachedToken>;
  expiresAt?: number;
}

export interface RegistryAuthOptions {
  readonly idleTimeoutMs: number;
  /** Each request to the registry's ping or token endpoint, from its first byte to its answer's last. */
  readonly requestDeadlineMs?: number;
  readonly signal?: AbortSignal;
  readonly now?: () => number;
}

/**
 * Produces the `Authorization` header for one registry host: none, Basic, or a
 * Bearer token obtained from the realm the registry names and cached per scope
 * set until it expires. It never offers credentials to any other host than its
 * own registry and that registry's token realm.
 */
export class RegistryAuth {
  private challenge: Promise<Challenge | undefined> | undefined;
  private readonly tokens = new Map<string, TokenEntry>();
  private readonly now: () => number;

  constructor(
    readonly registry: string,
    private readonly baseUrl: URL,
    private readonly credentials: CredentialProvider,
    private readonly options: RegistryAuthOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The header for a request needing `scopes` (e.g. `repository:a/b:pull,push`), or undefined for anonymous. */
  async authorization(scopes: readonly string[], deadline?: Deadline): Promise<string | undefined> {
    this.challenge ??= this.ping(deadline);
    const challenge = await this.challenge.catch((error: unknown) => {
      this.challenge = undefined;
      throw error;
    });
    if (!challenge) return undefined;
    const credentials = await this.credentials(this.registry);
    // Whatever the provider (Docker config, ECR, the Root key), what we send is what must never come back out.
    if (credentials) registerCredentials(credentials.username, credentials.password);
    if (challenge.scheme === 'basic') return credentials ? basicHeader(credentials) : undefined;
    if (challenge.scheme !== 'bearer') {
      throw new RegistryProtocolError(`${this.registry} asks for unsupported authentication "${challenge.scheme}"`);
    }
    return (await this.bearerToken(challenge, scopes, credentials, deadline)).header;
  }

  /**
   * Called when a request came back 401: forget the cached token for these scopes
   * and adopt the new challenge, so the next `authorization` call fetches afresh.
   */
  invalidate(scopes: readonly string[], wwwAuthenticate: string | undefined): void {
    this.tokens.delete(scopeKey(scopes));
    const challenge = parseChallenge(wwwAuthenticate);
    if (challenge) this.challenge = Promise.resolve(challenge);
  }

  /** The deadline of the exchange that needs the answer (it spends from the same budget), else its own. */
  private requestOptions(given?: Deadline): { idleTimeoutMs: number; signal?: AbortSignal; deadline?: Deadline } {
    const { idleTimeoutMs, signal, requestDeadlineMs } = this.options;
    const own: Deadline | undefined =
      requestDeadlineMs === undefined ? undefined : { at: Date.now() + requestDeadlineMs, ms: requestDeadlineMs, covers: 'answer' };
    const deadline = given ? { ...given, covers: 'answer' as const } : own;
    return { idleTimeoutMs, ...(signal ? { signal } : {}), ...(deadline ? { deadline } : {}) };
  }

  private async ping(deadline?: Deadline): Promise<Challenge | undefined> {
    const url = new URL('/v2/', this.baseUrl);
    const res = await sendRequest({ method: 'GET', url, ...this.requestOptions(deadline) });
    await discardBody(res);
    if (res.status === 200) return undefined;
    if (res.status === 401) {
      const challenge = parseChallenge(header(res, 'www-authenticate'));
      if (!challenge) throw new RegistryProtocolError(`${this.registry} answered 401 without a WWW-Authenticate challenge`);
      return challenge;
    }
    throw new RegistryResponseError({ method: 'GET', url: url.href, status: res.status, message: 'is this an OCI registry?', registry: this.registry });
  }

  private bearerToken(challenge: Challenge, scopes: readonly string[], credentials?: Credentials, deadline?: Deadline): Promise<CachedToken> {
    const key = scopeKey(scopes);
    const cached = this.tokens.get(key);
    // A token still being fetched is shared; an expired one is replaced once, not by every caller.
    if (cached && (cached.expiresAt === undefined || cached.expiresAt > this.now())) return cached.token;
    const entry: TokenEntry = { token: this.fetchToken(challenge, scopes, credentials, deadline) };
    this.tokens.set(key, entry);
    entry.token.then(
      (token) => (entry.expiresAt = token.expiresAt),
      () => this.tokens.get(key) === entry && this.tokens.delete(key),
    );
    return entry.token;
  }

  private async fetchToken(challenge: Challenge, scopes: readonly string[], credentials?: Credentials, deadline?: Deadline): Promise<CachedToken> {
    const realm = challenge.params.realm;
    if (!realm) throw new RegistryProtocolError(`${this.registry} sent a Bearer challenge without a realm`);
    const url = answeredUrl(this.registry, 'realm of its Bearer challenge', realm);
    assertSecureUrl(url, 'token realm', this.baseUrl);
    if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
    for (const scope of scopes) url.searchParams.append('scope', scope);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (credentials) headers.authorization = basicHeader(credentials);
    const started = this.now();
    const res = await sendRequest({ method: 'GET', url, headers, ...this.requestOptions(deadline) });
    const body = await readBody(res, TOKEN_BODY_LIMIT, () => new RegistryProtocolError('token response is too large'));
    if (res.status !== 200) {
      throw new RegistryResponseError({ method: 'GET', url: `${url.origin}${url.pathname}`, status: res.status, message: 'token request refused', registry: this.registry });
    }
    const parsed = parseTokenResponse(body, this.registry);
    registerSecret(parsed.token);
    const lifetimeMs = (parsed.expiresIn ?? DEFAULT_TOKEN_SECONDS) * 1000;
    return {
      header: `Bearer ${parsed.token}`,
      expiresAt: started + Math.max(lifetimeMs - EXPIRY_MARGIN_MS, lifetimeMs / 2),
    };
  }
}

/** What can follow `Bearer ` in a header: visible ASCII only, so no CR/LF can split the request. */
const HEADER_SAFE_TOKEN = /^[\x21-\x7e]+$/;

function parseTokenResponse(body: Buffer, registry: string): { token: string; expiresIn?: number } {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new RegistryProtocolError(`the token server of ${registry} answered with invalid JSON`);
  }
  const record = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
  // Quirk tokenAsAccessToken (quirks.ts).
  const field = typeof record.token === 'string' && record.token ? 'token' : 'access_token';
  const token = record[field];
  if (typeof token !== 'string' || token === '') throw new RegistryProtocolError(`the token server of ${registry} answered without a token`);
  if (!HEADER_SAFE_TOKEN.test(token)) {
    // Never the token itself in the message: it is a credential, however broken.
    throw new RegistryProtocolError(
      `the token server of ${registry} answered a "${field}" that cannot be sent in an Authorization header (a control character such as CR/LF, a space or a non-ASCII character)`,
    );
  }
  const expiresIn = typeof record.expires_in === 'number' && record.expires_in > 0 ? record.expires_in : undefined;
  return expiresIn === undefined ? { token } : { token, expiresIn };
}

function basicHeader(credentials: Credentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64')}`;
}

function scopeKey(scopes: readonly string[]): string {
  return [...scopes].sort().join(' ');
}
