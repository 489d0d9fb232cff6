import { createHmac, timingSafeEqual } from 'node:crypto';
import { unauthorized } from './errors.js';

/** How far `webhook-timestamp` may be from our clock, either way (Root's doc: 5 minutes). */
export const TIMESTAMP_TOLERANCE_SECONDS = 300;

/**
 * `base64`: Standard Webhooks, keyed by the base64-decoded secret.
 * `hex`: Root's reference Lambda, keyed by the secret's own UTF-8 bytes, `whsec_` included.
 */
export type SignatureScheme = 'base64' | 'hex';

export interface WebhookRequest {
  /** The raw body, byte for byte as received: any re-encoding breaks the signature. */
  readonly body: Buffer;
  /** Header names in any case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** Every secret currently valid; several during a rotation. */
  readonly secrets: readonly string[];
  readonly nowSeconds?: number;
}

export interface VerifiedWebhook {
  readonly webhookId: string;
  readonly timestamp: number;
}

export interface SignInput {
  readonly id: string;
  readonly timestampSeconds: number;
  readonly body: Buffer | string;
  readonly secret: string;
  readonly scheme?: SignatureScheme;
}

export const SECRET_PREFIX = 'whsec_';
// Canonical base64 (padding optional, as the standardwebhooks library accepts); anything else is no base64 key.
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;
// Each scheme's signature has one exact shape, which is how an entry picks its scheme.
const SIGNATURE_SHAPES: ReadonlyArray<{ scheme: SignatureScheme; pattern: RegExp }> = [
  { scheme: 'base64', pattern: /^[A-Za-z0-9+/]{43}=$/ },
  { scheme: 'hex', pattern: /^[0-9a-f]{64}$/ },
];
// 15 digits keep the value a safe integer; real timestamps have 10.
const TIMESTAMP_RE = /^[0-9]{1,15}$/;

/**
 * Checks a webhook's headers and signature against every secret, and returns the verified id
 * and timestamp. Throws WebhookRejectedError (401) naming the failed check in `reason`.
 *
 * The HMAC is computed here rather than by the standardwebhooks library: the library decodes a
 * Buffer body as UTF-8 (so distinct byte strings can share a signature) and reads the clock itself.
 */
export function verifyWebhook(request: WebhookRequest): VerifiedWebhook {
  const keys = signingKeys(request.secrets);
  const webhookId = requireHeader(request.headers, 'webhook-id');
  const timestampText = requireHeader(request.headers, 'webhook-timestamp');
  const signatureHeader = requireHeader(request.headers, 'webhook-signature');

  const timestamp = parseTimestamp(timestampText);
  const now = request.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (now - timestamp > TIMESTAMP_TOLERANCE_SECONDS) throw unauthorized('timestamp too old');
  if (timestamp - now > TIMESTAMP_TOLERANCE_SECONDS) throw unauthorized('timestamp too far in the future');

  const candidates = parseSignatureHeader(signatureHeader);
  if (candidates.length === 0) throw unauthorized('no v1 signature in webhook-signature header');

  // The timestamp is signed as sent, so a sender's own formatting is what we hash.
  const content = signedContent(webhookId, timestampText, request.body);
  for (const key of keys) {
    const expected = expectedSignatures(key, content);
    for (const candidate of candidates) {
      const wanted = expected[candidate.scheme];
      if (wanted !== undefined && constantTimeEqual(candidate.value, wanted)) {
        return { webhookId, timestamp };
      }
    }
  }
  throw unauthorized('no matching signature');
}

/** The `webhook-signature` header value for a message, in either scheme (default Standard Webhooks). */
export function signWebhook(input: SignInput): string {
  const { id, timestampSeconds, secret, scheme = 'base64' } = input;
  if (!Number.isSafeInteger(timestampSeconds) || timestampSeconds < 0) {
    throw new Error(`timestampSeconds must be a non-negative integer, got ${timestampSeconds}`);
  }
  const body = typeof input.body === 'string' ? Buffer.from(input.body, 'utf8') : input.body;
  const [key] = signingKeys([secret]);
  const signature = key && expectedSignatures(key, signedContent(id, String(timestampSeconds), body))[scheme];
  if (signature === undefined) {
    throw new Error(`the secret is not base64 (after an optional ${SECRET_PREFIX} prefix), so it cannot sign the base64 scheme`);
  }
  return `v1,${signature}`;
}

interface SigningKey {
  /** Absent when the secret is not base64: then only the hex scheme can verify with it. */
  readonly base64Key?: Buffer;
  readonly rawKey: Buffer;
}

function signingKeys(secrets: readonly string[]): SigningKey[] {
  // Both are caller bugs: an empty key would make every signature forgeable.
  if (secrets.length === 0) throw new Error('verifyWebhook needs at least one webhook secret');
  return secrets.map((secret, index) => {
    if (secret.trim() === '') throw new Error(`webhook secret #${index + 1} is empty`);
    const base64Key = decodeStandardSecret(secret);
    return { rawKey: Buffer.from(secret, 'utf8'), ...(base64Key === undefined ? {} : { base64Key }) };
  });
}

/** The HMAC key of a Standard Webhooks secret (`whsec_` + base64), or undefined when it is not base64. */
export function decodeStandardSecret(secret: string): Buffer | undefined {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (encoded === '' || !BASE64_RE.test(encoded)) return undefined;
  const key = Buffer.from(encoded, 'base64');
  return key.length > 0 ? key : undefined;
}

function expectedSignatures(key: SigningKey, content: Buffer): Partial<Record<SignatureScheme, string>> {
  return {
    hex: createHmac('sha256', key.rawKey).update(content).digest('hex'),
    ...(key.base64Key === undefined
      ? {}
      : { base64: createHmac('sha256', key.base64Key).update(content).digest('base64') }),
  };
}

function signedContent(id: string, timestampText: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${id}.${timestampText}.`, 'utf8'), body]);
}

// Compares the encoded text, not decoded bytes: two base64 texts can decode to the same bytes.
function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'latin1');
  const right = Buffer.from(b, 'latin1');
  return left.length === right.length && timingSafeEqual(left, right);
}

function parseTimestamp(text: string): number {
  if (!TIMESTAMP_RE.test(text)) throw unauthorized('webhook-timestamp is not a decimal integer');
  return Number(text);
}

function parseSignatureHeader(header: string): Array<{ scheme: SignatureScheme; value: string }> {
  const candidates: Array<{ scheme: SignatureScheme; value: string }> = [];
  for (const entry of header.split(' ')) {
    const comma = entry.indexOf(',');
    // Other versions (v1a is asymmetric) are someone else's signatures: skip, never fail on them.
    if (comma < 0 || entry.slice(0, comma) !== 'v1') continue;
    const value = entry.slice(comma + 1);
    const shape = SIGNATURE_SHAPES.find(({ pattern }) => pattern.test(value));
    if (shape) candidates.push({ scheme: shape.scheme, value });
  }
  return candidates;
}

function requireHeader(headers: Readonly<Record<string, string | undefined>>, name: string): string {
  let found: string | undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (value === undefined || key.toLowerCase() !== name) continue;
    // Two spellings with different values: we cannot know which one the sender signed.
    if (found !== undefined && found !== value) throw unauthorized(`conflicting ${name} headers`);
    found = value;
  }
  if (found === undefined || found === '') throw unauthorized(`missing ${name} header`);
  return found;
}
