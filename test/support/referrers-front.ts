// A front for distribution 2.8 (which has no referrers API) that adds one: it answers
// GET /v2/<name>/referrers/<digest> from the manifests with a `subject` pushed through it,
// paged with `Link` headers, and answers those pushes with `OCI-Subject`, as a registry
// with the API must. Everything else passes through to the registry (or a fault proxy).
import { createHash } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { forwardedHeaders, responseHeaders } from './fault-proxy.js';
import { closeServer, listenOnLoopback, LOOPBACK } from './net.js';

export interface FrontRequest {
  method: string;
  url: string;
  status?: number;
}

export interface ReferrersFront {
  readonly url: string;
  readonly host: string;
  readonly requests: FrontRequest[];
  /** The descriptors recorded for a subject, in push order. */
  referrers(repository: string, subject: string): Record<string, unknown>[];
  stop(): Promise<void>;
}

export interface ReferrersFrontOptions {
  /** Descriptors per page of the referrers API; more pages are linked with `Link: <…>; rel="next"`. */
  pageSize?: number;
}

const REFERRERS_PATH = /^\/v2\/(.+)\/referrers\/(sha256:[0-9a-f]{64})$/;
const MANIFEST_PATH = /^\/v2\/(.+)\/manifests\/([^/]+)$/;

export async function startReferrersFront(upstreamUrl: string, options: ReferrersFrontOptions = {}): Promise<ReferrersFront> {
  const upstream = new URL(upstreamUrl);
  const pageSize = options.pageSize ?? 100;
  const recorded = new Map<string, Record<string, unknown>[]>();
  const requests: FrontRequest[] = [];
  let origin = '';
  const key = (repository: string, subject: string) => `${repository}@${subject}`;

  const server = createServer((req, res) => {
    const record: FrontRequest = { method: req.method ?? '', url: req.url ?? '/' };
    requests.push(record);
    res.on('finish', () => (record.status = res.statusCode));
    const url = new URL(req.url ?? '/', 'http://front');
    const referrers = REFERRERS_PATH.exec(url.pathname);
    const manifest = MANIFEST_PATH.exec(url.pathname);
    if (req.method === 'GET' && referrers) {
      req.resume();
      answerReferrers(res, referrers[1]!, referrers[2]!, Number(url.searchParams.get('page') ?? '0'));
    } else if (req.method === 'PUT' && manifest) {
      void pushManifest(req, res, manifest[1]!).catch(() => res.destroy());
    } else {
      forward(req, res);
    }
  });

  function answerReferrers(res: ServerResponse, repository: string, subject: string, page: number): void {
    const all = recorded.get(key(repository, subject)) ?? [];
    const manifests = all.slice(page * pageSize, (page + 1) * pageSize);
    const headers: Record<string, string> = { 'content-type': 'application/vnd.oci.image.index.v1+json' };
    if ((page + 1) * pageSize < all.length) headers.link = `</v2/${repository}/referrers/${subject}?page=${page + 1}>; rel="next"`;
    res.writeHead(200, headers).end(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }));
  }

  async function pushManifest(req: IncomingMessage, res: ServerResponse, repository: string): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    const answer = await send(req, body);
    const headers = responseHeaders(answer.rawHeaders, upstream.origin, origin);
    const doc = parse(body);
    const subject = (doc?.subject as { digest?: unknown } | undefined)?.digest;
    if (answer.status === 201 && doc && typeof subject === 'string') {
      const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
      const list = recorded.get(key(repository, subject)) ?? [];
      if (!list.some((d) => d.digest === digest)) list.push(descriptor(doc, req.headers['content-type'] ?? '', digest, body.length));
      recorded.set(key(repository, subject), list);
      headers.push('OCI-Subject', subject);
    }
    res.writeHead(answer.status, headers).end(answer.body);
  }

  function send(req: IncomingMessage, body: Buffer): Promise<{ status: number; rawHeaders: string[]; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const out = httpRequest(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: forwardedHeaders(req.rawHeaders, upstream.host) },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => chunks.push(chunk));
          answer.on('end', () => resolve({ status: answer.statusCode ?? 502, rawHeaders: answer.rawHeaders, body: Buffer.concat(chunks) }));
          answer.on('error', reject);
        },
      );
      out.on('error', reject);
      out.end(body);
    });
  }

  function forward(req: IncomingMessage, res: ServerResponse): void {
    const out = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: forwardedHeaders(req.rawHeaders, upstream.host) });
    out.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
    res.on('close', () => {
      if (!res.writableFinished) out.destroy();
    });
    out.on('response', (answer) => {
      res.writeHead(answer.statusCode ?? 502, responseHeaders(answer.rawHeaders, upstream.origin, origin));
      answer.pipe(res);
    });
    req.pipe(out);
  }

  const port = await listenOnLoopback(server);
  origin = `http://${LOOPBACK}:${port}`;
  return {
    url: origin,
    host: `${LOOPBACK}:${port}`,
    requests,
    referrers: (repository, subject) => [...(recorded.get(key(repository, subject)) ?? [])],
    stop: () => closeServer(server),
  };
}

/** The descriptor the referrers API lists for a manifest: artifactType (else the config's media type) and its annotations. */
function descriptor(doc: Record<string, unknown>, mediaType: string, digest: string, size: number): Record<string, unknown> {
  const config = doc.config as { mediaType?: unknown } | undefined;
  const artifactType = typeof doc.artifactType === 'string' ? doc.artifactType : typeof config?.mediaType === 'string' ? config.mediaType : undefined;
  return {
    mediaType: typeof doc.mediaType === 'string' ? doc.mediaType : mediaType,
    digest,
    size,
    ...(artifactType ? { artifactType } : {}),
    ...(doc.annotations ? { annotations: doc.annotations } : {}),
  };
}

function parse(body: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
