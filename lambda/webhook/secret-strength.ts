import { SECRET_PREFIX, decodeStandardSecret } from './verify.js';

/**
 * The fewest key bytes a webhook signing secret may have. `whsec_` alone is a key of no
 * bytes, which anyone can sign with; Standard Webhooks secrets carry 24 to 64 random bytes.
 */
export const MIN_WEBHOOK_SECRET_BYTES = 16;

/** How many bytes key the HMAC: the decoded base64 after `whsec_`, else the secret's own UTF-8 bytes. */
export function webhookSecretKeyBytes(secret: string): number {
  const decoded = decodeStandardSecret(secret);
  if (decoded !== undefined && secret.startsWith(SECRET_PREFIX)) return decoded.length;
  const own = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  return Buffer.byteLength(own, 'utf8');
}

/** Why a secret is too weak to verify with, without ever quoting it; undefined when it is strong enough. */
export function webhookSecretProblem(secret: string): string | undefined {
  const bytes = webhookSecretKeyBytes(secret.trim());
  if (bytes >= MIN_WEBHOOK_SECRET_BYTES) return undefined;
  const what = secret.trim().startsWith(SECRET_PREFIX) ? `${bytes} bytes after base64-decoding what follows ${SECRET_PREFIX}` : `${bytes} bytes`;
  return `is ${what}, fewer than ${MIN_WEBHOOK_SECRET_BYTES}: anyone could guess it. Use the secret Root returned, or for local use generate one: ${SECRET_PREFIX}$(openssl rand -base64 32)`;
}
