import { createServer, type Server } from 'node:http';
import { parseArgs } from 'node:util';
import { createApp } from '../app.js';
import { logger } from '../log.js';
import { MAX_BODY_BYTES } from '../handlers/function-url.js';
import { BackgroundRunner } from './background-runner.js';
import { toFunctionUrlEvent } from './function-url-event.js';
import { UsageError } from './usage-error.js';

export interface ServeHandle {
  readonly server: Server;
  readonly port: number;
  readonly runner: BackgroundRunner | undefined;
  close(): Promise<void>;
}

/** Serves the same intake as the Lambda's Function URL over HTTP, configured from the environment. */
export async function startServe(port: number, host = '127.0.0.1', env: NodeJS.ProcessEnv = process.env): Promise<ServeHandle> {
  let runner: BackgroundRunner | undefined;
  const app = createApp(env, {
    background: (mirror) => {
      runner = new BackgroundRunner(mirror);
      return runner.submit;
    },
  });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Keep one byte past the limit so the intake itself answers 413.
      if (size <= MAX_BODY_BYTES + 1) chunks.push(chunk);
    });
    req.on('end', () => {
      app
        .intake(toFunctionUrlEvent(req, Buffer.concat(chunks)))
        .then((result) => {
          res.writeHead(result.statusCode ?? 200, result.headers as Record<string, string>);
          res.end(result.body ?? '');
        })
        .catch((error: unknown) => {
          logger.error('intake failed', { error: error instanceof Error ? error.message : String(error) });
          res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"internal error"}');
        });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return {
    server,
    port: bound,
    runner,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function serveCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { port: { type: 'string', default: '8080' }, host: { type: 'string', default: '127.0.0.1' } } });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port takes a port number');
  const handle = await startServe(port, values.host);
  process.stderr.write(`serving the webhook intake on http://${values.host}:${handle.port}/ (Ctrl-C to stop)\n`);
  await new Promise<void>((resolve) => {
    const stop = () => void handle.close().then(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
