import type { Readable } from 'node:stream';
import type { RegistryAuth } from './auth.js';
import { parseErrorBody } from './error-body.js';
import { RegistryProtocolError, RegistryResponseError } from './errors.js';
import { discardBody, header, readBody, sendRequest, type Deadline, type HttpResponse } from './http.js';
import { parseRetryAfter } from './retry.js';
import { answeredUrl, assertSecureUrl } from './scheme.js';

const ERROR_BODY_LIMIT = 64 * 1024;
const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** One request to a registry, as the client describes it. */
export interface Exchange {
  readonly method: string;
  readonly url: URL;
  readonly scopes: readonly string[];
  readonly headers?: Record<string, string>;
  readonly body?: Buffer | Readable;
  /** Statuses that are an answer rather than an error; anything else throws. */
  readonly ok: readonly number[];
  /** False: a 401 is the answer, and the cached token is kept (for best-effort calls the token may not cover). */
  readonly reauthenticate?: boolean;
  /** A blob download: the deadline covers the wait for its headers; the body is held to a throughput floor instead. */
  readonly download?: boolean;
  /** A GET on a connection of its own, read without Node's HTTP parser (direct-get.ts): for large blobs. */
  readonly direct?: boolean;
}

export interface SessionOptions {
  readonly idleTimeoutMs: number;
  /** The whole exchange, authentication and redirects included (see TimeLimits.requestDeadlineMs). */
  readonly requestDeadlineMs: number;
  readonly signal?: AbortSignal;
}

/** Sends requests to one registry: authentication, one re-authentication on 401, redirects by hand, errors parsed. */
export class RegistrySession {
  constructor(
    private readonly baseUrl: URL,
    private readonly auth: RegistryAuth,
    private readonly options: SessionOptions,
  ) {}

  /**
   * One request with authentication, a single re-authentication on 401, and
   * redirects followed by hand so credentials never leave the registry's origin.
   */
  async exchange(request: Exchange): Promise<HttpResponse> {
    let url = request.url;
    let reauthenticated = false;
    const { requestDeadlineMs, ...options } = this.options;
    // A streamed upload lasts as long as its blob takes: only the idle timer and the source's floor bound it.
    const streamedUpload = request.body !== undefined && !Buffer.isBuffer(request.body);
    const deadline: Deadline | undefined = streamedUpload
      ? undefined
      : { at: Date.now() + requestDeadlineMs, ms: requestDeadlineMs, covers: request.download ? 'headers' : 'answer' };
    for (let hop = 0; ; ) {
      // Quirk blobRedirectRefusesAuthorization (quirks.ts): credentials for the registry's origin only.
      const sameOrigin = url.origin === this.baseUrl.origin;
      const authorization = sameOrigin ? await this.auth.authorization(request.scopes, deadline) : undefined;
      const headers = { ...request.headers, ...(authorization ? { authorization } : {}) };
      const res = await sendRequest({
        method: request.method,
        url,
        headers,
        body: request.body,
        ...options,
        ...(deadline ? { deadline } : {}),
        ...(request.direct ? { direct: true } : {}),
      });
      const replayable = request.body === undefined || Buffer.isBuffer(request.body);
      if (res.status === 401 && sameOrigin && !reauthenticated && request.reauthenticate !== false) {
        await discardBody(res);
        this.auth.invalidate(request.scopes, header(res, 'www-authenticate'));
        reauthenticated = true;
        if (replayable) continue;
        // A streamed body is spent: the token likely expired mid-copy, so let the caller re-send with a fresh one.
        throw new RegistryProtocolError(`${request.method} ${url.pathname} was refused 401 while streaming; retrying with a fresh token`, 'transient');
      }
      if (REDIRECTS.has(res.status) && (request.method === 'GET' || request.method === 'HEAD')) {
        await discardBody(res);
        if (++hop > MAX_REDIRECTS) throw new RegistryProtocolError(`${request.method} ${url.pathname}: too many redirects`);
        url = answeredUrl(this.auth.registry, `Location header of its ${res.status} redirect for ${request.method} ${url.pathname}`, header(res, 'location'), url);
        assertSecureUrl(url, 'redirect to', this.baseUrl);
        continue;
      }
      if (request.ok.includes(res.status)) return res;
      // Only a host we were redirected to: an upload URL on another host is still the registry's.
      const fromRedirectTarget = hop > 0 && url.origin !== this.baseUrl.origin;
      throw await responseError(request.method, url, res, this.auth.registry, fromRedirectTarget);
    }
  }
}

async function responseError(method: string, url: URL, res: HttpResponse, registry: string, fromRedirectTarget: boolean): Promise<RegistryResponseError> {
  const body = method === 'HEAD' ? Buffer.alloc(0) : await readBody(res, ERROR_BODY_LIMIT, () => new Error('too large')).catch(() => Buffer.alloc(0));
  if (method === 'HEAD') await discardBody(res);
  const retryAfterMs = parseRetryAfter(header(res, 'retry-after'));
  return new RegistryResponseError({
    method,
    url: url.href,
    status: res.status,
    errors: parseErrorBody(body),
    registry,
    fromRedirectTarget,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
}
