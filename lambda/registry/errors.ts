import { MirrorError, type FailureClass } from '../errors.js';

/** An error answer from a registry, with the spec's `errors[{code,message}]` when it sent one. */
export class RegistryResponseError extends MirrorError {
  readonly status: number;
  readonly registryCode: string | undefined;
  /** How long the registry asked us to wait before trying again, when it said. */
  readonly retryAfterMs: number | undefined;

  /** The request URL without its query. */
  readonly url: string;
  /**
   * The registry (`host[:port]` as in image references) the request was for: for a token
   * refused by a Bearer realm on another host, still the registry that asked for it.
   */
  readonly registry: string;

  constructor(
    readonly method: string,
    url: string,
    status: number,
    registryCode: string | undefined,
    registryMessage: string | undefined,
    retryAfterMs?: number,
    registry?: string,
  ) {
    super(describe(method, url, status, registryCode, registryMessage), {
      code: registryCode ?? `HTTP_${status}`,
      failureClass: statusFailureClass(status),
    });
    // Pre-signed and upload URLs carry credentials in their query: keep it off the error object too.
    this.url = url.split('?')[0] ?? url;
    this.registry = registry ?? new URL(url).host;
    this.status = status;
    this.registryCode = registryCode;
    this.retryAfterMs = retryAfterMs;
  }
}

/** 408, 429 and 5xx can pass; everything else will answer the same next time. */
export function statusFailureClass(status: number): FailureClass {
  return status === 408 || status === 429 || status >= 500 ? 'transient' : 'permanent';
}

function describe(method: string, url: string, status: number, code?: string, message?: string): string {
  const detail = code ? `${code}${message ? `: ${message}` : ''}` : message ?? '';
  return `${method} ${redactQuery(url)} answered ${status}${detail ? ` (${detail})` : ''}${hint(status)}`;
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
