// The head of an HTTP/1.1 response (RFC 9112 §2-§6), for the direct blob download, which reads
// its socket without Node's HTTP parser.
import type { IncomingHttpHeaders } from 'node:http';

/** A longer head is not a registry's answer. */
export const MAX_HEAD_BYTES = 64 * 1024;

export interface ResponseHead {
  readonly status: number;
  /** Names in lower case; a repeated header's values joined with ", " (`set-cookie`: a list). */
  readonly headers: IncomingHttpHeaders;
  /** Bytes of the head, its closing blank line included: the body starts here. */
  readonly length: number;
}

/** How the body after a head ends (RFC 9112 §6.3). */
export type BodyFraming =
  | { readonly kind: 'none' }
  | { readonly kind: 'length'; readonly length: number }
  | { readonly kind: 'chunked' }
  | { readonly kind: 'close' };

/** The bytes at the start of a response are not an HTTP/1.1 head. */
export class MalformedHeadError extends Error {}

const HEAD_END = Buffer.from('\r\n\r\n');
const STATUS_LINE_START = 'HTTP/1.';
const STATUS_LINE = /^HTTP\/1\.[01] ([1-9]\d{2})(?: [\t\x20-\x7e\x80-\xff]*)?$/;
/** A header field name: an RFC 9110 token. */
export const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** A header field value: no control character but tab (so no CR, LF or NUL). */
export const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * Parses the head at the start of `bytes`: undefined while its blank line has not arrived,
 * a MalformedHeadError when it breaks the grammar or passes MAX_HEAD_BYTES.
 */
export function parseResponseHead(bytes: Buffer): ResponseHead | undefined {
  const end = bytes.indexOf(HEAD_END);
  if (end < 0) {
    if (bytes.length > MAX_HEAD_BYTES) throw new MalformedHeadError(`the response head is over ${MAX_HEAD_BYTES} bytes`);
    // Another service on the port (one that waits for us to speak, say) is refused at its first
    // line, as Node's parser does, not after the deadline for the headers.
    if (!startsAsStatusLine(bytes)) throw new MalformedHeadError('the response does not start with an HTTP/1.x status line');
    return undefined;
  }
  if (end + HEAD_END.length > MAX_HEAD_BYTES) throw new MalformedHeadError(`the response head is over ${MAX_HEAD_BYTES} bytes`);
  const lines = bytes.toString('latin1', 0, end).split('\r\n');
  const status = STATUS_LINE.exec(lines[0] ?? '');
  if (!status) throw new MalformedHeadError('the response does not start with an HTTP/1.x status line');
  const headers: IncomingHttpHeaders = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon);
    // A line without a name, or one starting with white space (the obsolete line folding), is refused.
    if (colon <= 0 || !FIELD_NAME.test(name)) throw new MalformedHeadError('the response head has a line that is not a header field');
    const value = line.slice(colon + 1).replace(/^[\t ]+|[\t ]+$/g, '');
    if (!FIELD_VALUE.test(value)) throw new MalformedHeadError(`the response header ${name} has a control character in its value`);
    addHeader(headers, name.toLowerCase(), value);
  }
  return { status: Number(status[1]), headers, length: end + HEAD_END.length };
}

/** Whether the bytes of a head not yet ended can still be one: its first line so far is, or can become, a status line. */
function startsAsStatusLine(bytes: Buffer): boolean {
  const lineEnd = bytes.indexOf('\r\n');
  if (lineEnd >= 0) return STATUS_LINE.test(bytes.toString('latin1', 0, lineEnd));
  return STATUS_LINE_START.startsWith(bytes.toString('latin1', 0, Math.min(bytes.length, STATUS_LINE_START.length)));
}

function addHeader(headers: IncomingHttpHeaders, name: string, value: string): void {
  const before = headers[name];
  if (name === 'set-cookie') {
    headers['set-cookie'] = [...(headers['set-cookie'] ?? []), value];
  } else if (before === undefined) {
    headers[name] = value;
  } else if (name === 'content-length') {
    // Two different lengths make the body's end ambiguous: a smuggling attempt or a broken proxy.
    if (before !== value) throw new MalformedHeadError('the response has two different Content-Length headers');
  } else {
    headers[name] = `${String(before)}, ${value}`;
  }
}

/**
 * Where the body of a response to a GET ends. Transfer-Encoding overrides Content-Length;
 * a final coding other than chunked, or neither header, runs to the connection's close.
 */
export function bodyFraming(head: Pick<ResponseHead, 'status' | 'headers'>): BodyFraming {
  const { status, headers } = head;
  if (status < 200 || status === 204 || status === 304) return { kind: 'none' };
  const transferEncoding = headers['transfer-encoding'];
  if (typeof transferEncoding === 'string') {
    const codings = transferEncoding.split(',').map((coding) => coding.trim().toLowerCase());
    return codings.at(-1) === 'chunked' ? { kind: 'chunked' } : { kind: 'close' };
  }
  const contentLength = headers['content-length'];
  if (contentLength === undefined) return { kind: 'close' };
  if (!/^\d{1,15}$/.test(contentLength)) throw new MalformedHeadError(`the response's Content-Length "${contentLength}" is not a number of bytes`);
  return { kind: 'length', length: Number(contentLength) };
}
