// A TCP pipe in front of a registry that counts the HTTP requests passing through it by their
// request lines, without parsing or re-framing anything: the recording proxy of the tests costs
// as much CPU as the registry itself at thousands of requests, which would skew the figures.
import { createServer, connect, type Socket } from 'node:net';

export interface CountingPipe {
  readonly host: string;
  /** Request lines seen, as `METHOD /path`. */
  readonly requests: string[];
  stop(): Promise<void>;
}

// Only bodiless requests reach the reconcile's registries, so every line starting a request is one.
const REQUEST_LINE = /(?:^|\r\n)(GET|HEAD|PUT|POST|PATCH|DELETE) (\/\S*) HTTP\/1\.1\r\n/g;

export async function startCountingPipe(upstreamHost: string, upstreamPort: number): Promise<CountingPipe> {
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(upstreamPort, upstreamHost);
    sockets.add(client).add(upstream);
    let carry = '';
    client.on('data', (chunk: Buffer) => {
      const text = carry + chunk.toString('latin1');
      for (const match of text.matchAll(REQUEST_LINE)) requests.push(`${match[1]} ${match[2]}`);
      // A request line split across chunks is matched on the next one.
      carry = text.slice(Math.max(0, text.lastIndexOf('\r\n')));
    });
    client.pipe(upstream).pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    host: `127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
