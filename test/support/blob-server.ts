// Stands in for the storage a registry redirects blob downloads to (S3, a CDN). It
// records the headers it receives so tests can prove credentials for the registry were
// not forwarded across the redirect to another origin.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { closeServer, listenOnLoopback, LOOPBACK } from './net.js';

export interface BlobServerOptions {
  /** Registry to fetch unknown blobs from, anonymously (so only an auth-less registry works). */
  upstream?: string;
  /** Blobs served directly, by digest (e.g. `PushedImage.blobs`). */
  blobs?: Map<string, Uint8Array>;
}

export interface BlobServerRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  status?: number;
}

export interface BlobServer {
  readonly url: string;
  readonly host: string;
  readonly blobs: Map<string, Uint8Array>;
  readonly requests: BlobServerRequest[];
  stop(): Promise<void>;
}

const DIGEST_IN_PATH = /(sha256:[a-f0-9]{64})/;
const REPO_IN_PATH = /^\/v2\/(.+)\/blobs\//;

/** Serves GET/HEAD of any path naming a digest, e.g. the same `/v2/<repo>/blobs/<digest>` path a redirect keeps. */
export async function startBlobServer(options: BlobServerOptions = {}): Promise<BlobServer> {
  const blobs = options.blobs ?? new Map<string, Uint8Array>();
  const requests: BlobServerRequest[] = [];

  const server = createServer((req, res) => {
    const record: BlobServerRequest = { method: req.method ?? '', url: req.url ?? '/', headers: req.headers };
    requests.push(record);
    res.on('finish', () => (record.status = res.statusCode));
    req.resume();
    const path = new URL(record.url, `http://${LOOPBACK}`).pathname;
    const digest = DIGEST_IN_PATH.exec(path)?.[1];
    if ((record.method !== 'GET' && record.method !== 'HEAD') || digest === undefined) {
      res.writeHead(404).end();
      return;
    }
    const local = blobs.get(digest);
    if (local) {
      serveBytes(res, local, record.method === 'HEAD', req.headers.range);
      return;
    }
    const repo = REPO_IN_PATH.exec(path)?.[1];
    if (options.upstream === undefined || repo === undefined) {
      res.writeHead(404).end();
      return;
    }
    void relay(res, new URL(`/v2/${repo}/blobs/${digest}`, options.upstream), record.method, req.headers.range);
  });

  const port = await listenOnLoopback(server);
  return {
    url: `http://${LOOPBACK}:${port}`,
    host: `${LOOPBACK}:${port}`,
    blobs,
    requests,
    stop: () => closeServer(server),
  };
}

/** The name the fault proxy's `redirectTo` rules are usually pointed at. */
export const startBlobRedirectTarget = (upstreamRegistryUrl?: string, blobs?: Map<string, Uint8Array>): Promise<BlobServer> =>
  startBlobServer({ ...(upstreamRegistryUrl ? { upstream: upstreamRegistryUrl } : {}), ...(blobs ? { blobs } : {}) });

/** Answers with the blob, honouring a single `bytes=start-[end]` range as object stores do. */
function serveBytes(res: ServerResponse, bytes: Uint8Array, headOnly: boolean, range: string | undefined): void {
  const match = range === undefined ? null : /^bytes=(\d+)-(\d*)$/.exec(range);
  let body = bytes;
  const headers: Record<string, string> = { 'content-type': 'application/octet-stream', 'accept-ranges': 'bytes' };
  let status = 200;
  if (match) {
    const start = Number(match[1]);
    const end = match[2] ? Math.min(Number(match[2]), bytes.length - 1) : bytes.length - 1;
    if (start > end) {
      res.writeHead(416, { 'content-range': `bytes */${bytes.length}` }).end();
      return;
    }
    body = bytes.subarray(start, end + 1);
    headers['content-range'] = `bytes ${start}-${end}/${bytes.length}`;
    status = 206;
  }
  headers['content-length'] = String(body.length);
  res.writeHead(status, headers);
  res.end(headOnly ? undefined : body);
}

/** Streams the blob from the registry anonymously; only Range crosses over, never credentials. */
async function relay(res: ServerResponse, source: URL, method: string, range: string | undefined): Promise<void> {
  try {
    const upstream = await fetch(source, { method, headers: range ? { range } : {} });
    const headers: Record<string, string> = {};
    for (const name of ['content-type', 'content-length', 'content-range', 'docker-content-digest', 'accept-ranges']) {
      const value = upstream.headers.get(name);
      if (value !== null) headers[name] = value;
    }
    res.writeHead(upstream.status, headers);
    if (upstream.body === null || method === 'HEAD') {
      res.end();
      return;
    }
    Readable.fromWeb(upstream.body as WebReadableStream<Uint8Array>).pipe(res);
  } catch (error) {
    if (res.headersSent) res.destroy();
    else res.writeHead(502).end(String(error));
  }
}
