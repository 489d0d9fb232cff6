// Loopback-only listening helpers: every server the harness starts binds 127.0.0.1 so
// no test traffic can leave the machine.
import { createServer, type Server } from 'node:net';
import type { Server as HttpServer } from 'node:http';

export const LOOPBACK = '127.0.0.1';

/** Listens on a kernel-chosen loopback port (no race: the port is ours once bound). */
export async function listenOnLoopback(server: HttpServer): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
  return address.port;
}

/**
 * A port that was free a moment ago, for programs that must be told their port up
 * front. Another process may take it before the program binds, so callers retry.
 */
export async function findFreePort(): Promise<number> {
  const probe: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, LOOPBACK, resolve);
  });
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('probe has no TCP address');
  return address.port;
}

/** Closes an HTTP server, cutting idle keep-alive sockets so close() does not hang. */
export async function closeServer(server: HttpServer): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
