// A Docker token-auth server (the `realm` a registry's Bearer challenge points to), so
// integration tests exercise the same challenge → token → retry dance as Root's registry.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeDirAtExit } from './cleanup.js';
import { buildClaims, createSigningCert, signJwt, type AccessEntry, type SigningCert } from './jwt.js';
import { closeServer, listenOnLoopback, LOOPBACK } from './net.js';

export type { AccessEntry } from './jwt.js';

/** Decides what a request gets; `user` is undefined for anonymous requests. */
export type GrantFn = (user: string | undefined, requested: AccessEntry[]) => AccessEntry[];

export interface TokenServerOptions {
  /** Accepted Basic credentials (default `{ testuser: 'testpass' }`). */
  users?: Record<string, string>;
  service?: string;
  issuer?: string;
  /** Without credentials: 'none' grants nothing (like Docker Hub on a private repo), 'pull' grants pull, 'deny' answers 401. */
  anonymous?: 'none' | 'pull' | 'deny';
  /** Token lifetime in seconds (default 300). */
  expiresIn?: number;
  /** Overrides the default policy (users get what they ask for; anonymous per `anonymous`). */
  grant?: GrantFn;
}

export interface TokenRequest {
  method: string;
  /** Path and query as received. */
  url: string;
  service: string | undefined;
  /** `scope` parameters exactly as sent, in order (the parameter may repeat). */
  scopes: string[];
  requested: AccessEntry[];
  granted: AccessEntry[];
  /** Basic-auth user name, or undefined when anonymous. */
  user: string | undefined;
  headers: IncomingHttpHeaders;
  status: number;
}

export interface TokenServer {
  readonly url: string;
  /** `${url}/token`: the realm to configure on the registry. */
  readonly realm: string;
  readonly service: string;
  readonly issuer: string;
  /** PEM of the self-signed signing cert: the registry's `rootcertbundle`. */
  readonly certPath: string;
  readonly certPem: string;
  readonly requests: TokenRequest[];
  /** Mints a token directly, e.g. an expired one (`expiresIn: -120`) or one for a scope nobody asked for. */
  issueToken(subject: string, access: AccessEntry[], expiresIn?: number): string;
  stop(): Promise<void>;
}

export async function startTokenServer(options: TokenServerOptions = {}): Promise<TokenServer> {
  const users = options.users ?? { testuser: 'testpass' };
  const service = options.service ?? 'test-registry';
  const issuer = options.issuer ?? 'test-token-issuer';
  const expiresIn = options.expiresIn ?? 300;
  const anonymous = options.anonymous ?? 'none';
  const grant: GrantFn =
    options.grant ??
    ((user, requested) => {
      if (user !== undefined) return requested;
      if (anonymous !== 'pull') return [];
      return requested.filter((s) => s.actions.includes('pull')).map((s) => ({ ...s, actions: ['pull'] }));
    });

  const dir = await mkdtemp(join(tmpdir(), 'token-server-'));
  const releaseDir = removeDirAtExit(dir);
  // The exit hook is the last resort only: vitest ends its workers with signals, which skip it.
  const removeDir = async (): Promise<void> => {
    await rm(dir, { recursive: true, force: true });
    releaseDir();
  };
  let cert: SigningCert;
  try {
    cert = await createSigningCert(dir, issuer);
  } catch (error) {
    await removeDir();
    throw error;
  }
  const requests: TokenRequest[] = [];
  const issueToken = (subject: string, access: AccessEntry[], lifetime = expiresIn): string =>
    signJwt(buildClaims({ issuer, subject, audience: service, access, expiresIn: lifetime }), cert);

  const server = createServer((req, res) => {
    const record = handle(req, res);
    requests.push(record);
  });

  function handle(req: IncomingMessage, res: ServerResponse): TokenRequest {
    const url = new URL(req.url ?? '/', `http://${LOOPBACK}`);
    const scopes = url.searchParams.getAll('scope');
    // One `scope` parameter may also carry several space-separated scopes.
    const requested = scopes.flatMap((s) => s.split(' ')).filter((s) => s !== '').map(parseScope);
    const record: TokenRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      service: url.searchParams.get('service') ?? undefined,
      scopes,
      requested,
      granted: [],
      user: undefined,
      headers: req.headers,
      status: 0,
    };
    const reply = (status: number, body: unknown): TokenRequest => {
      record.status = status;
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      return record;
    };
    if (req.method !== 'GET' || url.pathname !== '/token') return reply(404, { details: 'only GET /token is served' });
    if (record.service !== undefined && record.service !== service) return reply(400, { details: `unknown service ${record.service}` });

    const credentials = parseBasic(req.headers.authorization);
    if (credentials === 'malformed') return reply(401, { details: 'malformed Authorization header' });
    if (credentials !== undefined) {
      if (users[credentials.user] !== credentials.password) return reply(401, { details: 'incorrect username or password' });
      record.user = credentials.user;
    } else if (anonymous === 'deny') {
      return reply(401, { details: 'authentication required' });
    }

    record.granted = grant(record.user, requested);
    const token = issueToken(record.user ?? '', record.granted);
    return reply(200, { token, access_token: token, expires_in: expiresIn, issued_at: new Date().toISOString() });
  }

  let port: number;
  try {
    port = await listenOnLoopback(server);
  } catch (error) {
    await removeDir();
    throw error;
  }
  const base = `http://${LOOPBACK}:${port}`;
  return {
    url: base,
    realm: `${base}/token`,
    service,
    issuer,
    certPath: cert.certPath,
    certPem: cert.certPem,
    requests,
    issueToken,
    async stop() {
      await closeServer(server);
      await removeDir();
    },
  };
}

/** `repository:library/alpine:pull,push` → type, name, actions (a name may itself hold ':' e.g. a host:port). */
export function parseScope(scope: string): AccessEntry {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first < 0 || last === first) return { type: scope, name: '', actions: [] };
  const actions = scope.slice(last + 1).split(',').filter((a) => a !== '');
  return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions };
}

function parseBasic(header: string | undefined): { user: string; password: string } | 'malformed' | undefined {
  if (header === undefined) return undefined;
  const [scheme, value] = header.split(' ', 2);
  if (scheme?.toLowerCase() !== 'basic' || value === undefined) return 'malformed';
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return 'malformed';
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
