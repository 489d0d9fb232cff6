// A streaming reverse proxy in front of a registry that injects the failures a mirror
// must survive (5xx, resets, corrupted or truncated bodies, redirects, slowness), imitates
// other registries' quirks (a rewritten status, a dropped or changed header, a rewritten
// body) and records what the client sent, so tests can assert on retries and headers.
import {
  createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse,
} from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { closeServer, listenOnLoopback, LOOPBACK } from './net.js';

export interface FaultRule {
  /** Matches any method when absent. */
  method?: string;
  /** Tested against the path and query, e.g. `/\/blobs\/sha256:/`. */
  path: RegExp;
  /** Fires only on requests this accepts too, e.g. those carrying an `Authorization` header. */
  when?: (request: ProxiedRequest) => boolean;
  /** How many matching requests the rule fires on (default: every one). */
  times?: number;
  /** Answer this status instead of proxying. */
  status?: number;
  /** Sent as `Retry-After` with `status`. */
  retryAfter?: number | string;
  /** Body for `status` (default a registry-style JSON error); a function of the request, e.g. to echo its headers. */
  body?: string | ((request: ProxiedRequest) => string);
  headers?: Record<string, string>;
  /** Proxy, but XOR the first byte of every body chunk: same length, wrong digest. */
  corrupt?: boolean;
  /** Proxy, but cut the connection after this many body bytes (Content-Length still promises all). */
  truncateAfter?: number;
  /** Answer a redirect instead: a base URL (the request's path and query are appended) or a function of them. */
  redirectTo?: string | ((pathAndQuery: string) => string);
  redirectStatus?: 301 | 302 | 303 | 307 | 308;
  /** Proxy, but send the body chunked (no Content-Length) and hold its end this long after the last byte. */
  holdEndMs?: number;
  /** Proxy, but let the body through only `bytes` at a time every `everyMs` (a source that drips). */
  drip?: { readonly bytes: number; readonly everyMs: number };
  /** Wait before acting (or before proxying when the rule does nothing else). */
  delayMs?: number;
  /** Destroy the client socket without answering. */
  resetConnection?: boolean;
  /** Proxy the response body at about this rate: a slow link. */
  bytesPerSecond?: number;
  /** Proxy, but answer this status instead of the upstream's, with its headers and body. */
  rewriteStatus?: number;
  /** Proxy, but leave out these response headers (any case). */
  dropHeaders?: string[];
  /** Proxy, but set these response headers, replacing the upstream's of the same name. */
  setHeaders?: Record<string, string>;
  /** Proxy, but answer this body instead (the upstream's is read whole first; Content-Length follows). */
  rewriteBody?: (body: Buffer) => Buffer | string;
}

export interface ProxiedRequest {
  method: string;
  /** Path and query. */
  url: string;
  headers: IncomingHttpHeaders;
  /** Index in `rules` of the rule that fired, if any. */
  rule?: number;
  /** Status answered to the client; undefined for a reset. */
  status?: number;
}

export interface FaultProxy {
  readonly url: string;
  readonly host: string;
  readonly upstream: string;
  /** Replaceable at any time; the first matching rule with firings left wins. */
  rules: FaultRule[];
  readonly requests: ProxiedRequest[];
  /** How many times a rule has fired. */
  fired(rule: FaultRule): number;
  stop(): Promise<void>;
}

// Per-hop headers: node frames each hop itself, so forwarding these would corrupt framing.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

export async function startFaultProxy(upstreamUrl: string, rules: FaultRule[] = []): Promise<FaultProxy> {
  const upstream = new URL(upstreamUrl);
  const firings = new WeakMap<FaultRule, number>();
  const requests: ProxiedRequest[] = [];
  let origin = '';

  const proxy: FaultProxy = {
    get url() {
      return origin;
    },
    get host() {
      return new URL(origin).host;
    },
    upstream: upstream.origin,
    rules,
    requests,
    fired: (rule) => firings.get(rule) ?? 0,
    stop: () => closeServer(server),
  };

  const server = createServer((req, res) => {
    const record: ProxiedRequest = { method: req.method ?? '', url: req.url ?? '/', headers: req.headers };
    requests.push(record);
    res.on('finish', () => (record.status = res.statusCode));
    const index = proxy.rules.findIndex((rule) => matches(rule, record) && (firings.get(rule) ?? 0) < (rule.times ?? Infinity));
    const rule = proxy.rules[index];
    if (rule) {
      record.rule = index;
      firings.set(rule, (firings.get(rule) ?? 0) + 1);
    }
    void act(rule, req, res).catch(() => res.destroy());
  });

  async function act(rule: FaultRule | undefined, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (rule?.delayMs) await sleep(rule.delayMs);
    const pathAndQuery = req.url ?? '/';
    if (rule?.resetConnection) {
      req.socket.destroy();
    } else if (rule?.status !== undefined) {
      req.resume();
      const given = typeof rule.body === 'function' ? rule.body({ method: req.method ?? '', url: pathAndQuery, headers: req.headers }) : rule.body;
      const body = given ?? JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: 'fault injected by test proxy' }] });
      const retryAfter = rule.retryAfter === undefined ? {} : { 'retry-after': String(rule.retryAfter) };
      res.writeHead(rule.status, { 'content-type': 'application/json', ...retryAfter, ...rule.headers }).end(body);
    } else if (rule?.redirectTo !== undefined) {
      req.resume();
      const target = typeof rule.redirectTo === 'string' ? new URL(pathAndQuery, rule.redirectTo).href : rule.redirectTo(pathAndQuery);
      res.writeHead(rule.redirectStatus ?? 307, { location: target, ...rule.headers }).end();
    } else {
      forward(req, res, rule);
    }
  }

  function forward(req: IncomingMessage, res: ServerResponse, rule: FaultRule | undefined): void {
    const upstreamReq = httpRequest({
      host: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers: forwardedHeaders(req.rawHeaders, upstream.host),
    });
    upstreamReq.on('error', (error) => {
      if (res.headersSent) res.destroy();
      else res.writeHead(502, { 'content-type': 'text/plain' }).end(`fault proxy: upstream failed: ${error.message}`);
    });
    // The client hung up: stop the upstream exchange too instead of finishing it for nobody.
    res.on('close', () => {
      if (!res.writableFinished) upstreamReq.destroy();
    });
    req.pipe(upstreamReq);
    upstreamReq.on('response', (upstreamRes) => {
      const status = rule?.rewriteStatus ?? upstreamRes.statusCode ?? 502;
      const headers = rewriteHeaders(responseHeaders(upstreamRes.rawHeaders, upstream.origin, origin), rule, rule?.holdEndMs === undefined ? [] : ['content-length']);
      if (rule?.rewriteBody) {
        void replaceBody(upstreamRes, res, status, headers, rule.rewriteBody);
        return;
      }
      res.writeHead(status, headers);
      if (rule?.drip) drip(upstreamRes, res, rule.drip);
      else pump(upstreamRes, res, rule);
    });
  }

  const port = await listenOnLoopback(server);
  origin = `http://${LOOPBACK}:${port}`;
  return proxy;
}

function matches(rule: FaultRule, request: ProxiedRequest): boolean {
  if (rule.method !== undefined && rule.method.toUpperCase() !== request.method) return false;
  rule.path.lastIndex = 0; // a /g or /y regex would otherwise match only every other time
  return rule.path.test(request.url) && (rule.when?.(request) ?? true);
}

/** Copies the body with backpressure, applying a rule's corruption or truncation on the way. */
function pump(from: IncomingMessage, to: ServerResponse, rule: FaultRule | undefined): void {
  let sent = 0;
  from.on('data', (chunk: Buffer) => {
    let out = chunk;
    if (rule?.corrupt && out.length > 0) {
      out = Buffer.from(out);
      out[0] = (out[0] ?? 0) ^ 0xff;
    }
    if (rule?.truncateAfter !== undefined && sent + out.length >= rule.truncateAfter) {
      from.destroy();
      to.write(out.subarray(0, rule.truncateAfter - sent), () => to.destroy());
      return;
    }
    sent += out.length;
    const drained = to.write(out);
    if (rule?.bytesPerSecond) {
      // Hold the next chunk back for as long as this one takes at the rate.
      from.pause();
      const resume = () => (to.writableNeedDrain ? to.once('drain', () => from.resume()) : from.resume());
      setTimeout(resume, (out.length * 1000) / rule.bytesPerSecond).unref();
      return;
    }
    if (!drained) from.pause();
  });
  to.on('drain', () => {
    if (!rule?.bytesPerSecond) from.resume();
  });
  from.on('end', () => (rule?.holdEndMs === undefined ? to.end() : setTimeout(() => to.end(), rule.holdEndMs)));
  from.on('error', () => to.destroy());
}

/** Reads the whole upstream body, then lets it out a few bytes per tick. */
function drip(from: IncomingMessage, to: ServerResponse, pace: { readonly bytes: number; readonly everyMs: number }): void {
  const chunks: Buffer[] = [];
  let ended = false;
  from.on('data', (chunk: Buffer) => chunks.push(chunk));
  from.on('end', () => (ended = true));
  from.on('error', () => to.destroy());
  const timer = setInterval(() => {
    let pending = Buffer.concat(chunks.splice(0));
    if (pending.length > 0) {
      to.write(pending.subarray(0, pace.bytes));
      pending = pending.subarray(pace.bytes);
      if (pending.length > 0) chunks.unshift(pending);
    } else if (ended) {
      clearInterval(timer);
      to.end();
    }
  }, pace.everyMs);
  to.on('close', () => clearInterval(timer));
}

/** Applies a rule's `dropHeaders` and `setHeaders` to raw `[name, value, ...]` headers. */
function rewriteHeaders(raw: string[], rule: FaultRule | undefined, extraDrop: readonly string[] = []): string[] {
  const set = Object.entries(rule?.setHeaders ?? {});
  const drop = new Set([...(rule?.dropHeaders ?? []), ...extraDrop, ...set.map(([name]) => name)].map((h) => h.toLowerCase()));
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (!drop.has((raw[i] as string).toLowerCase())) out.push(raw[i] as string, raw[i + 1] as string);
  }
  for (const [name, value] of set) out.push(name, value);
  return out;
}

async function replaceBody(
  from: IncomingMessage,
  to: ServerResponse,
  status: number,
  headers: string[],
  rewrite: (body: Buffer) => Buffer | string,
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of from as AsyncIterable<Buffer>) chunks.push(chunk);
  const body = Buffer.from(rewrite(Buffer.concat(chunks)));
  const kept = rewriteHeaders(headers, undefined, ['content-length']);
  to.writeHead(status, [...kept, 'Content-Length', String(body.length)]).end(body);
}

export function forwardedHeaders(raw: string[], upstreamHost: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || lower === 'host') continue;
    out.push(name, raw[i + 1] as string);
  }
  out.push('Host', upstreamHost);
  return out;
}

/** Keeps every upstream header (duplicates too), pointing upstream `Location`s back at the proxy. */
export function responseHeaders(raw: string[], upstreamOrigin: string, proxyOrigin: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    let value = raw[i + 1] as string;
    if (HOP_BY_HOP.has(name.toLowerCase())) continue;
    if (name.toLowerCase() === 'location' && /^https?:\/\//i.test(value)) {
      const target = new URL(value);
      if (target.origin === upstreamOrigin) value = proxyOrigin + target.pathname + target.search + target.hash;
    }
    out.push(name, value);
  }
  return out;
}
