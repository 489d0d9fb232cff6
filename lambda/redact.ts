/**
 * Redaction of secrets from every message that leaves the process: logs, errors, DLQ
 * attributes, HTTP answers. A registry's error body may echo what it was sent
 * (`you sent Basic cm9v…`), so two defences stack up:
 *
 * - credential-shaped text: the value after `Basic` / `Bearer`, and the value of JSON
 *   fields named like a credential (`token`, `access_token`, `password`, ...);
 * - every known secret, registered where it is loaded (configuration, Secrets Manager,
 *   ECR auth, registry credentials and tokens), in each encoding it may travel in: raw,
 *   URL-encoded, JSON-escaped, and base64 / base64url at any alignment, so the base64 of
 *   `user:secret` is caught whoever the user is.
 */

export const REDACTED = '[REDACTED]';

/** Shorter values are not matched as text: they would blank out ordinary words. The patterns above still apply. */
export const MIN_SECRET_LENGTH = 6;
/** A base64 fragment shorter than this is not specific enough to be matched on its own. */
const MIN_BASE64_FRAGMENT = 8;

const fragments = new Set<string>();
/** Secrets already registered: auth registers on every request, the encodings are worked out once. */
const registered = new Set<string>();
let matcher: RegExp | undefined;

/** Remembers a secret, so that it and its encodings are redacted from now on. */
export function registerSecret(value: string | undefined): void {
  if (value === undefined) return;
  const secret = value.trim();
  if (secret.length < MIN_SECRET_LENGTH || registered.has(secret)) return;
  registered.add(secret);
  const before = fragments.size;
  for (const form of encodings(secret)) fragments.add(form);
  if (fragments.size !== before) matcher = undefined;
}

/** Remembers a username and password pair: the password, and the exact `Basic` value they make. */
export function registerCredentials(username: string, password: string): void {
  registerSecret(password);
  if (password.length < MIN_SECRET_LENGTH) return;
  const basic = Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
  if (!fragments.has(basic)) {
    fragments.add(basic);
    matcher = undefined;
  }
}

/** For tests: forget every registered secret. */
export function forgetSecrets(): void {
  fragments.clear();
  registered.clear();
  matcher = undefined;
}

/** The text with every credential-shaped value and every known secret replaced by [REDACTED]. */
export function redact(text: string): string {
  let out = text.replace(AUTH_SCHEME_VALUE, (match: string, scheme: string, space: string, value: string) =>
    ORDINARY_WORDS.has(value.replace(/=+$/, '').toLowerCase()) ? match : `${scheme}${space}${REDACTED}`,
  );
  out = out.replace(CREDENTIAL_FIELD, (_match, field: string) => `${field}"${REDACTED}"`);
  matcher ??= buildMatcher();
  return matcher ? out.replace(matcher, REDACTED) : out;
}

/** `redact` applied to every string inside a JSON-like value (objects and arrays copied, not changed). */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => redactDeep(item)) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v)])) as T;
  }
  return value;
}

// `Basic`/`Bearer` then a token68-like value (RFC 7235): base64, base64url, JWT dots, padding.
const AUTH_SCHEME_VALUE = /\b(Basic|Bearer)(\s+)([A-Za-z0-9+/._~-]+=*)/gi;
// Our own sentences say "a Bearer challenge", "Basic authentication": those words stay.
const ORDINARY_WORDS = new Set(['challenge', 'challenges', 'realm', 'token', 'tokens', 'auth', 'authentication', 'scheme', 'credentials', 'or', 'and', 'the', 'a', 'with']);
const CREDENTIAL_FIELD = /("(?:token|access_token|refresh_token|id_token|password|secret|authorization)"\s*:\s*)"(?:[^"\\]|\\.)*"/gi;

function buildMatcher(): RegExp | undefined {
  if (fragments.size === 0) return undefined;
  // Longest first, so `Basic` values and whole encodings win over their fragments.
  const alternatives = [...fragments].sort((a, b) => b.length - a.length).map(escapeRegExp);
  return new RegExp(alternatives.join('|'), 'g');
}

function encodings(secret: string): string[] {
  const forms = new Set<string>([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)]);
  const bytes = Buffer.from(secret, 'utf8');
  for (const fragment of base64Fragments(bytes)) {
    forms.add(fragment);
    forms.add(fragment.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return [...forms].filter((form) => form.length >= MIN_SECRET_LENGTH);
}

/**
 * The part of the base64 of `secret` that is the same wherever the secret sits in the
 * encoded bytes: for each of the three alignments, the characters of the 3-byte groups
 * made only of the secret's bytes. Whatever precedes it (`user:`) or follows it, one of
 * these appears in the encoding.
 */
function base64Fragments(secret: Buffer): string[] {
  const out: string[] = [];
  for (let lead = 0; lead < 3; lead++) {
    const encoded = Buffer.concat([Buffer.alloc(lead), secret]).toString('base64');
    const firstGroup = lead === 0 ? 0 : 1;
    const groups = Math.floor((lead + secret.length) / 3) - firstGroup;
    const fragment = encoded.slice(firstGroup * 4, (firstGroup + groups) * 4);
    if (fragment.length >= MIN_BASE64_FRAGMENT) out.push(fragment);
  }
  return out;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}
