// A GET over a connection of its own, read without Node's HTTP parser: for blob downloads,
// where the parser, a fresh buffer per read and the garbage they leave cost more CPU than the
// SHA-256 of the bytes (see the README's bench section). One request per connection, which is
// closed after it; everything small keeps using the pooled keep-alive client (http.ts).
import net, { isIP } from 'node:net';
import tls from 'node:tls';
import { abortedError } from '../abort.js';
import { MirrorError } from '../errors.js';
import { RegistryNetworkError, RegistryProtocolError, redactQuery } from './errors.js';
import { FIELD_NAME, FIELD_VALUE, MalformedHeadError, bodyFraming, parseResponseHead, type BodyFraming, type ResponseHead } from './http-head.js';
import type { HttpRequest, HttpResponse } from './http-exchange.js';
import { ReadBufferPool } from './read-buffer-pool.js';
import { SocketBody } from './socket-body.js';
import { RegistryTooSlowError, formatSeconds } from './time-limits.js';

/** Buffers a download reads into, and their size: 4 MiB per download in flight (1 MiB reads took a tenth less CPU than 256 KiB ones on loopback). */
export const READ_BUFFERS = 4;
export const READ_BUFFER_BYTES = 1024 * 1024;

/** The request's bytes; a header that would break the request's framing (a CR or LF in a token) is refused. */
export function serializeGet(url: URL, headers: Readonly<Record<string, string>> = {}): Buffer {
  const lines = [`GET ${url.pathname}${url.search} HTTP/1.1`, `host: ${url.host}`, 'connection: close'];
  for (const [name, value] of Object.entries(headers)) {
    if (!FIELD_NAME.test(name) || !FIELD_VALUE.test(value)) {
      throw new RegistryProtocolError(`refusing to send the header "${name}" to ${url.host}: it has a character that is not allowed in a header`);
    }
    lines.push(`${name}: ${value}`);
  }
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}

/**
 * Sends a GET on a new connection and resolves with the response head; the body (a
 * SocketBody) is left for the caller. Same timeouts, deadline and abort as `sendRequest`.
 */
export function sendDirectGet(request: HttpRequest): Promise<HttpResponse> {
  const { url, signal, deadline } = request;
  if (signal?.aborted) return Promise.reject(abortedError(signal));
  const where = redactQuery(url.href);
  let requestBytes: Buffer;
  try {
    requestBytes = serializeGet(url, request.headers);
  } catch (error) {
    return Promise.reject(error);
  }
  return new Promise((resolve, reject) => {
    const pool = new ReadBufferPool(READ_BUFFERS, READ_BUFFER_BYTES);
    let head: Buffer = Buffer.alloc(0);
    let body: SocketBody | undefined;
    let answered = false;

    // Without an answer, failing clears the deadline and the abort listener (a pending deadline
    // once held the CLI up to a minute after Ctrl-C); with one, the body's close does.
    const fail = (cause: unknown): void => {
      const error = cause instanceof MirrorError ? cause : new RegistryNetworkError('GET', url.href, cause);
      if (body) {
        body.destroy(error);
      } else if (!answered) {
        answered = true;
        clearTimeout(deadlineTimer);
        signal?.removeEventListener('abort', onAbort);
        reject(error);
      }
      socket.destroy();
    };

    /** The final head and its framing once they have arrived (interim 1xx heads skipped), else undefined. */
    const finalHead = (): { head: ResponseHead; framing: BodyFraming } | undefined => {
      for (;;) {
        const parsed = parseResponseHead(head);
        if (!parsed) return undefined;
        // An interim answer (103 Early Hints, say) comes before the real one.
        if (parsed.status >= 200) return { head: parsed, framing: bodyFraming(parsed) };
        head = Buffer.from(head.subarray(parsed.length));
      }
    };

    const readHead = (view: Buffer): boolean => {
      head = Buffer.concat([head, view]);
      let answer;
      try {
        answer = finalHead();
      } catch (error) {
        fail(error instanceof MalformedHeadError ? new Error(`the answer is not valid HTTP/1.1: ${error.message}`) : error);
        return false;
      }
      if (!answer) return true;
      body = new SocketBody(socket, pool, answer.framing, { method: 'GET', url: where });
      if (deadline?.covers === 'headers') clearTimeout(deadlineTimer);
      body.once('close', () => {
        clearTimeout(deadlineTimer);
        signal?.removeEventListener('abort', onAbort);
      });
      answered = true;
      resolve({ status: answer.head.status, headers: answer.head.headers, body, url });
      return body.onRead(head.subarray(answer.head.length), head);
    };

    const onread = {
      buffer: () => pool.take(),
      callback: (length: number, buffer: Buffer): boolean => {
        const view = buffer.subarray(0, length);
        const more = body ? body.onRead(view, buffer) : readHead(view);
        pool.give(buffer);
        return more;
      },
    };
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const secure = url.protocol === 'https:';
    const port = Number(url.port) || (secure ? 443 : 80);
    // Node's TLS sockets take `onread` as its TCP sockets do; its typings only list it for net.
    const tlsOptions: tls.ConnectionOptions & { onread: typeof onread } = { host, port, ALPNProtocols: ['http/1.1'], onread, ...(isIP(host) ? {} : { servername: host }) };
    const socket = secure ? tls.connect(tlsOptions) : net.connect({ host, port, onread });
    socket.once(secure ? 'secureConnect' : 'connect', () => socket.write(requestBytes));
    socket.setTimeout(request.idleTimeoutMs, () => {
      fail(new RegistryTooSlowError(url.host, `GET ${url.pathname}: no data for ${formatSeconds(request.idleTimeoutMs)}`));
    });
    socket.on('error', fail);
    socket.once('close', () => {
      if (body) {
        body.socketEnded();
        return;
      }
      fail(new Error('the connection closed before the answer arrived'));
    });

    const deadlineTimer =
      deadline &&
      setTimeout(
        () => {
          const stage = deadline.covers === 'headers' ? 'did not answer' : 'did not complete';
          fail(new RegistryTooSlowError(url.host, `GET ${url.pathname} ${stage} within ${formatSeconds(deadline.ms)}`));
        },
        Math.max(0, deadline.at - Date.now()),
      );
    const onAbort = () => fail(abortedError(signal!));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
