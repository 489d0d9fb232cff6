// RS256 JWTs in the shape CNCF distribution's `auth: token` accepts. Distribution 2.8
// trusts a token when the x5c leaf certificate chains (with any key usage) to a cert in
// its `rootcertbundle`; a self-signed cert listed there is its own root, so one
// openssl-made cert is enough.
import { execFile } from 'node:child_process';
import { createPrivateKey, randomUUID, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface SigningCert {
  readonly certPath: string;
  readonly certPem: string;
  /** Base64 (standard, not url-safe) DER, as the x5c header wants it. */
  readonly certDerBase64: string;
  readonly privateKey: KeyObject;
  readonly privateKeyPem: string;
}

/**
 * Creates an RSA key and a self-signed cert in `dir` with the openssl CLI; `altNames` (e.g.
 * `DNS:localhost`, `IP:127.0.0.1`) makes it a TLS server's certificate for those names.
 */
export async function createSigningCert(dir: string, commonName: string, altNames: readonly string[] = []): Promise<SigningCert> {
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  await run('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '2',
    '-subj', `/CN=${commonName}`, '-keyout', keyPath, '-out', certPath,
    ...(altNames.length > 0 ? ['-addext', `subjectAltName=${altNames.join(',')}`] : []),
  ]);
  const [keyPem, certPem] = await Promise.all([readFile(keyPath, 'utf8'), readFile(certPath, 'utf8')]);
  return {
    certPath,
    certPem,
    certDerBase64: new X509Certificate(certPem).raw.toString('base64'),
    privateKey: createPrivateKey(keyPem),
    privateKeyPem: keyPem,
  };
}

export interface AccessEntry {
  type: string;
  name: string;
  actions: string[];
}

export interface TokenClaims {
  iss: string;
  sub: string;
  /** A plain string: distribution 2.8 unmarshals `aud` into a string, so an array is rejected. */
  aud: string;
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  access: AccessEntry[];
}

export interface ClaimInput {
  issuer: string;
  subject: string;
  audience: string;
  access: AccessEntry[];
  /** Seconds from now until expiry; negative makes an already-expired token (beyond the registry's 60 s leeway). */
  expiresIn: number;
  now?: number;
}

export function buildClaims(input: ClaimInput): TokenClaims {
  const now = input.now ?? Math.floor(Date.now() / 1000);
  return {
    iss: input.issuer,
    sub: input.subject,
    aud: input.audience,
    exp: now + input.expiresIn,
    nbf: now - 1,
    iat: now,
    jti: randomUUID(),
    access: input.access,
  };
}

export function signJwt(claims: TokenClaims, cert: SigningCert): string {
  const header = { typ: 'JWT', alg: 'RS256', x5c: [cert.certDerBase64] };
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  // RS256 = RSASSA-PKCS1-v1_5 with SHA-256, node's default padding for RSA keys.
  const signature = sign('sha256', Buffer.from(signingInput), cert.privateKey);
  return `${signingInput}.${base64url(signature)}`;
}

/** Decodes (without verifying) a JWT's claims, for assertions in tests. */
export function decodeJwtClaims(token: string): TokenClaims {
  const payload = token.split('.')[1];
  if (payload === undefined) throw new Error('not a JWT');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as TokenClaims;
}

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}
