/** The first entry of the distribution spec's `{"errors":[{"code","message","detail"}]}` body, if any. */
export function parseErrorBody(body: Buffer): { code?: string; message?: string } {
  try {
    const json = JSON.parse(body.toString('utf8')) as { errors?: Array<{ code?: unknown; message?: unknown }> };
    const first = Array.isArray(json.errors) ? json.errors[0] : undefined;
    const code = typeof first?.code === 'string' ? first.code : undefined;
    const message = typeof first?.message === 'string' ? first.message.slice(0, 300) : undefined;
    return { ...(code ? { code } : {}), ...(message ? { message } : {}) };
  } catch {
    const text = body.toString('utf8').trim().slice(0, 200);
    return text && !text.startsWith('<') ? { message: text } : {};
  }
}
