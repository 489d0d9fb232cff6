import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { finished } from 'node:stream/promises';
import { abortedError } from '../abort.js';
import { MirrorError } from '../errors.js';
import { sendDirectGet } from './direct-get.js';
import { RegistryNetworkError } from './errors.js';
import { isPumpable } from './socket-body.js';
import type { HttpRequest, HttpResponse } from './http-exchange.js';
import { RegistryTooSlowError, formatSeconds } from './time-limits.js';

// Keep-alive agents: a copy makes many small requests (HEAD, POST, PUT) to the same hosts.
const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 32 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 32 }),
};

export type { Deadline, HttpRequest, HttpResponse } from './http-exchange.js';

/**
 * One HTTP exchange with Node's own client: no automatic redirects, no content
 * decoding (bytes must stay exact), and an idle timeout on every request.
 * Resolves when the response headers arrive; the body is left for the caller.
 */
export function sendRequest(request: HttpRequest): Promise<HttpResponse> {
  const { method, url, signal } = request;
  if (signal?.aborted) return Promise.reject(abortedError(signal));
  if (request.direct && method === 'GET' && request.body === undefined) return sendDirectGet(request);
  // A body stream can fail before we get to it (a source blob failing its digest while the
  // destination was still authenticating): piping a dead stream would hang until the idle timeout.
  const body = request.body;
  if (body !== undefined && !Buffer.isBuffer(body) && (body.errored || body.destroyed)) {
    return Promise.reject(body.errored ?? new RegistryNetworkError(method, url.href, new Error('the content stream closed before it was sent')));
  }
  return new Promise((resolve, reject) => {
    let bodyError: unknown;
    let response: IncomingMessage | undefined;
    const client = url.protocol === 'https:' ? https : http;
    const req = client.request(url, {
      method,
      headers: request.headers,
      agent: agents[url.protocol as 'http:' | 'https:'],
    });
    req.setTimeout(request.idleTimeoutMs, () => {
      req.destroy(new RegistryTooSlowError(url.host, `${method} ${url.pathname}: no data for ${formatSeconds(request.idleTimeoutMs)}`));
    });
    const deadline = request.deadline;
    const deadlineTimer =
      deadline &&
      setTimeout(
        () => {
          const stage = deadline.covers === 'headers' ? 'did not answer' : 'did not complete';
          const error = new RegistryTooSlowError(url.host, `${method} ${url.pathname} ${stage} within ${formatSeconds(deadline.ms)}`);
          req.destroy(error);
          response?.destroy(error);
        },
        Math.max(0, deadline.at - Date.now()),
      );
    const clearDeadline = () => clearTimeout(deadlineTimer);
    const onAbort = () => {
      const error = abortedError(signal!);
      req.destroy(error);
      response?.destroy(error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    req.once('close', () => {
      if (!response || response.closed) signal?.removeEventListener('abort', onAbort);
      if (!response) clearDeadline();
    });
    req.once('error', (error) => {
      clearDeadline();
      // A failing body stream (e.g. a digest mismatch) or our own abort is the real reason, not the dead socket.
      reject(bodyError ?? (error instanceof MirrorError ? error : new RegistryNetworkError(method, url.href, error)));
    });
    req.once('response', (res) => {
      response = res;
      if (deadline?.covers === 'headers') clearDeadline();
      res.once('close', () => {
        signal?.removeEventListener('abort', onAbort);
        clearDeadline();
      });
      res.setTimeout(request.idleTimeoutMs, () => {
        res.destroy(new RegistryTooSlowError(url.host, `${method} ${url.pathname}: response idle for ${formatSeconds(request.idleTimeoutMs)}`));
      });
      // A registry may answer (e.g. 503) before taking the whole body: stop sending then.
      res.once('end', () => {
        signal?.removeEventListener('abort', onAbort);
        if (!req.writableFinished) req.destroy();
      });
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res, url });
    });
    if (body === undefined) {
      req.end();
    } else if (Buffer.isBuffer(body)) {
      req.end(body);
    } else {
      body.once('error', (error) => {
        bodyError = error;
        req.destroy(error);
      });
      // A direct download writes its bytes from its read buffers, without a copy (socket-body.ts).
      if (isPumpable(body)) body.pumpInto(req);
      else body.pipe(req);
    }
  });
}

/** Reads a response body as bytes, failing once it passes `limit` bytes. */
export async function readBody(res: HttpResponse, limit: number, onTooLarge: () => Error): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      length += chunk.length;
      if (length > limit) break;
      chunks.push(chunk);
    }
  } catch (error) {
    throw error instanceof MirrorError ? error : new RegistryNetworkError('read', res.url.href, error);
  }
  if (length > limit) {
    res.body.destroy();
    throw onTooLarge();
  }
  return Buffer.concat(chunks, length);
}

/** Discards the rest of a body so the keep-alive socket can be reused. */
export async function discardBody(res: HttpResponse): Promise<void> {
  res.body.resume();
  // Settled before the caller moves on: the socket is back in the pool and nothing listens any more.
  await finished(res.body).catch(() => undefined);
}

export function header(res: HttpResponse, name: string): string | undefined {
  const value = res.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
