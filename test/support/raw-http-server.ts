// A loopback TCP server that answers HTTP/1.1 by hand, one request per connection: each test
// scripts the bytes, so answers no HTTP library would send (a 103 before the 200, an
// obs-folded header, a body cut short, a head and then silence, a drip) reach the client as
// written. Plain TCP, or TLS when given a certificate.
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';
import { LOOPBACK } from './net.js';

export interface RawRequest {
  readonly method: string;
  /** Path and query. */
  readonly path: string;
  /** Names in lower case; a repeated header keeps its last value. */
  readonly headers: Readonly<Record<string, string>>;
}

/** One connection, its request read: write the answer with it. */
export interface RawReply {
  readonly socket: Socket;
  /** Settles once the connection is closed, by either side. */
  readonly closed: Promise<void>;
  /** Writes and waits until the socket took the bytes (its buffer drained). */
  write(bytes: string | Uint8Array): Promise<void>;
  /** Writes the last bytes and closes our side. */
  end(bytes?: string | Uint8Array): Promise<void>;
}

export type RawHandler = (request: RawRequest, reply: RawReply) => void | Promise<void>;

export interface RawHttpServer {
  /** `http://127.0.0.1:PORT`, or `https://localhost:PORT` for TLS (the name its certificate has). */
  readonly url: string;
  readonly host: string;
  /** Answers every request but the `/v2/` ping (see `ping`); replaceable at any time. */
  handler: RawHandler;
  /** Answers `GET /v2/`: by default 200 without a challenge (an anonymous registry). */
  ping: RawHandler;
  readonly requests: RawRequest[];
  /** Connections not yet closed. */
  readonly openConnections: number;
  stop(): Promise<void>;
}

const HEAD_END = '\r\n\r\n';

/** An HTTP/1.1 head: a status line and the headers, in order, with `connection: close`. */
export function rawHead(status: number, headers: Record<string, string | number> = {}, reason = 'X'): string {
  const lines = [`HTTP/1.1 ${status} ${reason}`, ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`), 'connection: close'];
  return `${lines.join('\r\n')}${HEAD_END}`;
}

/** Writes `bytes` in pieces of random sizes up to `maxPiece`, each waited for. */
export async function writeInPieces(reply: RawReply, bytes: Uint8Array, maxPiece = 96 * 1024): Promise<void> {
  for (let at = 0; at < bytes.length; ) {
    const size = 1 + Math.floor(Math.random() * maxPiece);
    await reply.write(bytes.subarray(at, at + size));
    at += size;
  }
}

export const answerAnonymousPing: RawHandler = (_request, reply) => reply.end(`${rawHead(200, { 'content-type': 'application/json', 'content-length': 2 })}{}`);

export async function startRawHttpServer(handler: RawHandler, tls?: Pick<TlsOptions, 'key' | 'cert'>): Promise<RawHttpServer> {
  const requests: RawRequest[] = [];
  const open = new Set<Socket>();
  const onConnection = (socket: Socket): void => {
    open.add(socket);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    void closed.then(() => open.delete(socket));
    // A client that gives up resets the connection: that is a test's subject, not a failure here.
    socket.on('error', () => undefined);
    const reply: RawReply = {
      socket,
      closed,
      write: (bytes) => written(socket, closed, bytes, false),
      end: (bytes) => written(socket, closed, bytes ?? '', true),
    };
    let head = '';
    const onData = (chunk: Buffer): void => {
      head += chunk.toString('latin1');
      const end = head.indexOf(HEAD_END);
      if (end < 0) return;
      socket.off('data', onData);
      const request = parseRequest(head.slice(0, end));
      requests.push(request);
      const answer = request.method === 'GET' && request.path === '/v2/' ? server.ping : server.handler;
      void Promise.resolve()
        .then(() => answer(request, reply))
        .catch(() => socket.destroy());
    };
    socket.on('data', onData);
  };
  const listener: Server = tls ? createTlsServer(tls, onConnection) : createTcpServer(onConnection);
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(0, LOOPBACK, () => resolve());
  });
  const address = listener.address();
  if (address === null || typeof address === 'string') throw new Error('raw server has no TCP address');
  const host = `${tls ? 'localhost' : LOOPBACK}:${address.port}`;
  const server: RawHttpServer = {
    url: `${tls ? 'https' : 'http'}://${host}`,
    host,
    handler,
    ping: answerAnonymousPing,
    requests,
    get openConnections() {
      return open.size;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        listener.close(() => resolve());
      }),
  };
  return server;
}

function parseRequest(head: string): RawRequest {
  const [requestLine = '', ...lines] = head.split('\r\n');
  const [method = '', path = ''] = requestLine.split(' ');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { method, path, headers };
}

function written(socket: Socket, closed: Promise<void>, bytes: string | Uint8Array, end: boolean): Promise<void> {
  const data = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
  if (socket.destroyed) return Promise.reject(new Error('the client closed the connection'));
  // Ending: done once our side is closed, however the client answers it.
  if (end) return Promise.race([new Promise<void>((resolve) => socket.end(data, () => resolve())), closed]);
  const gone = closed.then(() => {
    throw new Error('the client closed the connection');
  });
  gone.catch(() => undefined);
  return Promise.race([new Promise<void>((resolve, reject) => socket.write(data, (error) => (error ? reject(error) : resolve()))), gone]);
}
