// Distribution 2.8 ignores `n` on tags/list and answers every tag at once; Root's registry,
// Docker Hub and distribution 3 page it. This proxy pages the real registry's tag list the
// spec's way (sorted, `n`/`last`, optionally a `Link` header) and passes everything else through.
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { closeServer, listenOnLoopback, LOOPBACK } from './net.js';

export interface PagingProxyOptions {
  /** The most tags one page holds, whatever `n` asks. */
  readonly maxPage: number;
  /** Send `Link: <…>; rel="next"` (the spec), or only honour `n`/`last` (some registries). */
  readonly link: boolean;
}

export interface PagingProxy {
  readonly url: string;
  readonly host: string;
  /** Path and query of every tags/list request, in order. */
  readonly tagListRequests: string[];
  /** Every request, as `METHOD path`. */
  readonly requests: string[];
  stop(): Promise<void>;
}

const TAGS_LIST = /^\/v2\/(.+)\/tags\/list$/;

export async function startPagingProxy(upstream: string, options: PagingProxyOptions): Promise<PagingProxy> {
  const target = new URL(upstream);
  const tagListRequests: string[] = [];
  const requests: string[] = [];
  const forward = (method: string, path: string, headers: IncomingHttpHeaders) =>
    new Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      const req = httpRequest({ host: target.hostname, port: target.port, method, path, headers: { ...headers, host: target.host } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    const listing = TAGS_LIST.exec(url.pathname);
    if (req.method === 'GET' && listing) {
      tagListRequests.push(`${url.pathname}${url.search}`);
      void forward('GET', url.pathname, req.headers).then((answer) => {
        if (answer.status !== 200) {
          res.writeHead(answer.status, answer.headers).end(answer.body);
          return;
        }
        const { name, tags } = JSON.parse(answer.body.toString('utf8')) as { name: string; tags: string[] | null };
        const sorted = [...(tags ?? [])].sort();
        const last = url.searchParams.get('last');
        const n = Math.min(Number(url.searchParams.get('n') ?? options.maxPage), options.maxPage);
        const rest = last === null ? sorted : sorted.filter((tag) => tag > last);
        const page = rest.slice(0, n);
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (options.link && rest.length > n && page.length > 0) {
          headers.link = `</v2/${listing[1]}/tags/list?n=${n}&last=${encodeURIComponent(page.at(-1) ?? '')}>; rel="next"`;
        }
        res.writeHead(200, headers).end(JSON.stringify({ name, tags: page }));
      }, (error: unknown) => res.writeHead(502).end(String(error)));
      return;
    }
    const upstreamReq = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    upstreamReq.on('error', () => res.destroy());
    req.pipe(upstreamReq);
  });
  const port = await listenOnLoopback(server);
  return { url: `http://${LOOPBACK}:${port}`, host: `${LOOPBACK}:${port}`, tagListRequests, requests, stop: () => closeServer(server) };
}
