import { foreignCode } from '../error-codes.js';
import { MirrorError, type FailureClass } from '../errors.js';
import type { RegistryErrorEntry } from './error-body.js';
import { REDIRECT_TARGET_TRANSIENT_STATUSES, responseFailureClass } from './retryable.js';

/** What a registry's error answer says, as `RegistryResponseError` is built from it. */
export interface RegistryResponseErrorOptions {
  readonly method: string;
  /** The request URL; its query is never kept or printed. */
  readonly url: string;
  readonly status: number;
  /** Every entry of the spec's `errors[]` body, in order (none for a HEAD or a body without them). */
  readonly errors?: readonly RegistryErrorEntry[];
  /** A message of our own when the registry sent none, e.g. `token request refused`. */
  readonly message?: string;
  /** How long the registry asked us to wait before trying again, when it said. */
  readonly retryAfterMs?: number;
  /** The registry asked (`host[:port]`); the URL's host when absent. */
  readonly registry?: string;
  /** The answer came from the host the registry redirected to (S3, a CDN), not from the registry. */
  readonly fromRedirectTarget?: boolean;
}

/** An error answer from a registry, with the spec's `errors[{code,message}]` when it sent them. */
export class RegistryResponseError extends MirrorError {
  readonly method: string;
  readonly status: number;
  /** The first entry's code, which also names the error (`code`) when present. */
  readonly registryCode: string | undefined;
  /** Every entry's code, in order; an entry without one counts as the empty string. */
  readonly registryCodes: readonly string[];
  /** How long the registry asked us to wait before trying again, when it said. */
  readonly retryAfterMs: number | undefined;
  /** The answer came from the host the registry redirected to: a refusal there is not the registry's. */
  readonly fromRedirectTarget: boolean;

  /** The request URL without its query. */
  readonly url: string;
  /**
   * The registry (`host[:port]` as in image references) the request was for: for a token
   * refused by a Bearer realm on another host, still the registry that asked for it.
   */
  readonly registry: string;

  constructor(options: RegistryResponseErrorOptions) {
    const errors = options.errors ?? [];
    const registryCodes = errors.map((entry) => entry.code ?? '');
    const registryCode = errors[0]?.code;
    const fromRedirectTarget = options.fromRedirectTarget === true;
    const refusedByRedirectTarget = fromRedirectTarget && REDIRECT_TARGET_TRANSIENT_STATUSES.has(options.status);
    super(describe(options, errors), {
      code: refusedByRedirectTarget ? 'REDIRECT_TARGET_REFUSED' : foreignCode(registryCode ?? `HTTP_${options.status}`),
      failureClass: responseFailureClass(options.status, registryCodes, fromRedirectTarget),
    });
    this.fromRedirectTarget = fromRedirectTarget;
    this.method = options.method;
    // Pre-signed and upload URLs carry credentials in their query: keep it off the error object too.
    this.url = options.url.split('?')[0] ?? options.url;
    this.registry = options.registry ?? new URL(options.url).host;
    this.status = options.status;
    this.registryCode = registryCode;
    this.registryCodes = registryCodes;
    this.retryAfterMs = options.retryAfterMs;
  }
}

function describe(options: RegistryResponseErrorOptions, errors: readonly RegistryErrorEntry[]): string {
  const entries = errors.map(({ code, message }) => (code ? `${code}${message ? `: ${message}` : ''}` : message ?? '')).filter((e) => e !== '');
  const detail = entries.length > 0 ? entries.join('; ') : options.message ?? '';
  const why = options.fromRedirectTarget ? redirectTargetHint(options) : hint(options.status);
  return `${options.method} ${redactQuery(options.url)} answered ${options.status}${detail ? ` (${detail})` : ''}${why}`;
}

function redirectTargetHint(options: RegistryResponseErrorOptions): string {
  const registry = options.registry ?? 'the registry';
  if (REDIRECT_TARGET_TRANSIENT_STATUSES.has(options.status)) {
    return `: the storage ${registry} redirected to refused the link (a pre-signed URL that expired?); a fresh one is asked for`;
  }
  return `: answered by the storage ${registry} redirected to`;
}

function hint(status: number): string {
  if (status === 401) return ': the registry refused the credentials; check the username and password or token';
  if (status === 403) return ': the credentials lack permission for this repository';
  if (status === 404) return ': the repository, tag or blob does not exist';
  return '';
}

/** Upload URLs and pre-signed blob URLs carry secrets in their query: never print it. */
export function redactQuery(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : `${url.slice(0, q)}?…`;
}

/** The connection failed or timed out before the registry answered. */
export class RegistryNetworkError extends MirrorError {
  constructor(method: string, url: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`${method} ${redactQuery(url)} failed: ${reason}`, { code: 'NETWORK', failureClass: 'transient', cause });
  }
}

/** Bytes did not hash to the digest they were asked for: a corrupt source or a man in the middle. */
export class DigestMismatchError extends MirrorError {
  constructor(what: string, expected: string, actual: string) {
    super(`${what}: expected ${expected} but the content hashes to ${actual}`, {
      code: 'DIGEST_MISMATCH',
      failureClass: 'permanent',
    });
  }
}

/** A blob or manifest was longer or shorter than its descriptor said. */
export class SizeMismatchError extends MirrorError {
  constructor(what: string, expected: number, actual: number) {
    super(`${what}: expected ${expected} bytes but received ${actual}`, {
      code: 'SIZE_MISMATCH',
      failureClass: 'permanent',
    });
  }
}

/** A manifest we will not copy: unknown or deprecated format, malformed, or too large. */
export class InvalidManifestError extends MirrorError {
  constructor(message: string) {
    super(message, { code: 'MANIFEST_INVALID', failureClass: 'permanent' });
  }
}

/** The reference or the registry's answers break a rule of the protocol we rely on. */
export class RegistryProtocolError extends MirrorError {
  constructor(message: string, failureClass: FailureClass = 'permanent') {
    super(message, { code: 'PROTOCOL', failureClass });
  }
}

/** The source has no manifest for the platform asked for. */
export class PlatformNotFoundError extends MirrorError {
  constructor(image: string, wanted: string, present: readonly string[]) {
    const list = present.length > 0 ? present.join(', ') : 'none';
    super(`${image} has no ${wanted} image; platforms present: ${list}`, {
      code: 'PLATFORM_NOT_FOUND',
      failureClass: 'permanent',
    });
  }
}
