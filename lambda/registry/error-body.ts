/** One entry of the distribution spec's `{"errors":[{"code","message","detail"}]}` body. */
export interface RegistryErrorEntry {
  readonly code?: string;
  readonly message?: string;
}

/** Entries read from one error body: enough to judge and report it, not a whole hostile list. */
const MAX_ENTRIES = 20;

/**
 * Every entry of an error body, in order; a body that is not the spec's JSON becomes one entry
 * with its text as the message (unless it is HTML), and an empty body none.
 */
export function parseErrorBody(body: Buffer): RegistryErrorEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    const text = body.toString('utf8').trim().slice(0, 200);
    return text && !text.startsWith('<') ? [{ message: text }] : [];
  }
  const errors = (json as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors)) return [];
  return errors.slice(0, MAX_ENTRIES).map((entry: unknown) => {
    const { code, message } = (typeof entry === 'object' && entry !== null ? entry : {}) as { code?: unknown; message?: unknown };
    return {
      ...(typeof code === 'string' && code ? { code } : {}),
      ...(typeof message === 'string' && message ? { message: message.slice(0, 300) } : {}),
    };
  });
}
