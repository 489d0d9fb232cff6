// A destination registry that checks nothing: it keeps whatever bytes it was sent under
// whatever digest the committing PUT names. With it, only the client stands between wrong
// bytes and a committed blob, which is what the tests of the client's own checks need.
import { createServer, type IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import { closeServer, listenOnLoopback, LOOPBACK } from './net.js';

export interface LaxRegistry {
  readonly url: string;
  readonly host: string;
  /** Blobs committed, by the digest the client claimed. */
  readonly blobs: Map<string, Buffer>;
  /** Manifests stored, by `repo:reference`. */
  readonly manifests: Map<string, Buffer>;
  /** `METHOD path` of every request, in order. */
  readonly requests: string[];
  stop(): Promise<void>;
}

export async function startLaxRegistry(): Promise<LaxRegistry> {
  const blobs = new Map<string, Buffer>();
  const manifests = new Map<string, Buffer>();
  const uploads = new Map<string, Buffer[]>();
  const requests: string[] = [];

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${LOOPBACK}`);
    requests.push(`${req.method} ${url.pathname}`);
    const upload = /^\/v2\/(.+)\/blobs\/uploads\/([^/]*)$/.exec(url.pathname);
    const blob = /^\/v2\/(.+)\/blobs\/(sha256:[a-f0-9]{64})$/.exec(url.pathname);
    const manifest = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(url.pathname);
    void readAll(req).then((body) => {
      if (url.pathname === '/v2/') return void res.writeHead(200).end('{}');
      if (upload && req.method === 'POST') {
        const id = randomUUID();
        uploads.set(id, []);
        return void res.writeHead(202, { location: `/v2/${upload[1]}/blobs/uploads/${id}`, 'content-length': '0' }).end();
      }
      const parts = upload ? uploads.get(upload[2] ?? '') : undefined;
      if (upload && parts && req.method === 'PATCH') {
        parts.push(body);
        return void res.writeHead(202, { location: `/v2/${upload[1]}/blobs/uploads/${upload[2]}`, 'content-length': '0' }).end();
      }
      if (upload && parts && req.method === 'PUT') {
        parts.push(body);
        blobs.set(url.searchParams.get('digest') ?? '', Buffer.concat(parts));
        uploads.delete(upload[2] ?? '');
        return void res.writeHead(201, { 'content-length': '0' }).end();
      }
      if (upload && req.method === 'DELETE') {
        uploads.delete(upload[2] ?? '');
        return void res.writeHead(204).end();
      }
      if (blob && req.method === 'HEAD') return void res.writeHead(blobs.has(blob[2] ?? '') ? 200 : 404).end();
      if (manifest && req.method === 'HEAD') return void res.writeHead(manifests.has(`${manifest[1]}:${manifest[2]}`) ? 200 : 404).end();
      if (manifest && req.method === 'PUT') {
        manifests.set(`${manifest[1]}:${manifest[2]}`, body);
        return void res.writeHead(201, { 'content-length': '0' }).end();
      }
      res.writeHead(404).end();
    });
  });

  const port = await listenOnLoopback(server);
  return {
    url: `http://${LOOPBACK}:${port}`,
    host: `${LOOPBACK}:${port}`,
    blobs,
    manifests,
    requests,
    stop: () => closeServer(server),
  };
}

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', () => resolve(Buffer.concat(chunks)));
  });
}
