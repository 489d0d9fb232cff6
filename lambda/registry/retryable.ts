import type { FailureClass } from '../errors.js';

// What is worth retrying, as data: an answer is transient when its status is in the first set,
// or when it lists registry error codes and every one of them is in the second. The same
// rule as go-containerregistry's transport/error.go, which also judges every `errors[]` entry.

/**
 * Statuses that can pass: a timeout, throttling, and the server faults that describe a state
 * (500, bad gateway, unavailable, gateway timeout). 501 Not Implemented and 505 HTTP Version
 * Not Supported answer the same next time.
 */
export const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/**
 * Registry error codes (distribution spec, `errors[].code`) that say "try again": an upload
 * session the registry lost or no longer accepts (a fresh session then succeeds), throttling,
 * and a service that is down for now.
 */
export const TRANSIENT_REGISTRY_CODES: ReadonlySet<string> = new Set([
  'BLOB_UPLOAD_UNKNOWN',
  'BLOB_UPLOAD_INVALID',
  'TOOMANYREQUESTS',
  'UNAVAILABLE',
]);

/**
 * Refusals from the host a registry redirected us to (S3, a CDN) rather than from the registry:
 * an expired pre-signed URL, not a verdict on our credentials. Asking the registry again gets a
 * fresh redirect.
 */
export const REDIRECT_TARGET_TRANSIENT_STATUSES: ReadonlySet<number> = new Set([401, 403]);

/**
 * Whether an error answer can succeed when the operation is tried again. `fromRedirectTarget`:
 * the answer came from the host a registry redirected to, not from the registry itself.
 */
export function responseFailureClass(status: number, registryCodes: readonly string[] = [], fromRedirectTarget = false): FailureClass {
  if (TRANSIENT_STATUSES.has(status)) return 'transient';
  if (fromRedirectTarget && REDIRECT_TARGET_TRANSIENT_STATUSES.has(status)) return 'transient';
  if (registryCodes.length > 0 && registryCodes.every((code) => TRANSIENT_REGISTRY_CODES.has(code))) return 'transient';
  return 'permanent';
}
