import { createServer, type Server } from 'node:http';
import { createApp, type App } from '../app.js';
import { jsonResponse } from '../handlers/http-response.js';
import { MAX_BODY_BYTES } from '../handlers/function-url.js';
import { logger } from '../log.js';
import { BackgroundRunner } from './background-runner.js';
import { EXIT } from './exit-codes.js';
import { parseCommandLine } from './flags.js';
import { toFunctionUrlEvent } from './function-url-event.js';
import { UsageError } from './usage-error.js';

export interface ServeHandle {
  readonly server: Server;
  readonly port: number;
  readonly app: App;
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
  if (!app.config.webhookSecret) {
    throw new UsageError(
      'serve needs a webhook signing secret to verify what it receives: for local use, ' +
        'export WEBHOOK_SECRET=whsec_$(openssl rand -base64 32) (send-test-webhook signs with the same variable)',
    );
  }
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) {
        chunks.push(chunk);
        return;
      }
      // Answered here, as the Function URL refuses an oversized payload itself: no byte more is kept.
      refused = true;
      chunks.length = 0;
      const tooLarge = jsonResponse(413, { error: 'webhook payload too large' });
      res.writeHead(413, { ...(tooLarge.headers as Record<string, string>), connection: 'close' }).end(tooLarge.body, () => req.destroy());
    });
    req.on('end', () => {
      if (refused) return;
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
    app,
    runner,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

/** What `serve` is about to do, in one line, and a warning for what surprises people. */
export function startupLines(handle: Pick<ServeHandle, 'app' | 'port'>, host: string): string[] {
  const { config } = handle.app;
  const destination = config.dstRegistry ?? "this AWS account's ECR (from your AWS credentials)";
  const allowed = config.allowedRepos.entries.length === 0 ? 'every repository' : config.allowedRepos.entries.join(', ');
  const jobs = config.queueUrl ? `queued to ${config.queueUrl}` : 'mirrored in this process';
  const lines = [
    `serving the webhook intake on http://${host}:${handle.port}/: source ${config.rootRegistryHost}, destination ${destination}, ` +
      `DST_REPO ${config.dstRepo}, allowed: ${allowed}; jobs are ${jobs} (Ctrl-C to stop)`,
  ];
  if (!config.dstRegistry) {
    lines.push('warning: DST_REGISTRY is not set, so images go to the ECR of the AWS account your credentials belong to; set DST_REGISTRY=host:port for a local registry');
  }
  return lines;
}

const FLAGS = {
  port: { type: 'string', default: '8080' },
  host: { type: 'string', default: '127.0.0.1' },
} as const;

export async function serveCommand(args: string[]): Promise<number> {
  const { flags } = parseCommandLine('serve', args, FLAGS, { min: 0, max: 0, describe: 'no arguments, only flags' });
  const port = Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port takes a port number from 0 to 65535');
  const handle = await startServe(port, flags.host);
  return new Promise<number>((resolve) => {
    const interrupted = () => {
      process.removeListener('SIGINT', interrupted);
      process.removeListener('SIGTERM', interrupted);
      void stopServing(handle).then(resolve);
    };
    process.once('SIGINT', interrupted);
    process.once('SIGTERM', interrupted);
    // Only once Ctrl-C is handled: whoever reads the line may press it at once.
    for (const line of startupLines(handle, flags.host)) process.stderr.write(`${line}\n`);
  });
}

/**
 * First Ctrl-C (or SIGTERM): stop taking webhooks and let the running copies finish.
 * A second one abandons them; their destination tags are not moved.
 */
async function stopServing(handle: ServeHandle): Promise<number> {
  const closed = handle.close();
  const runner = handle.runner;
  const pending = runner?.pending ?? 0;
  if (!runner || pending === 0) {
    await closed;
    return EXIT.ok;
  }
  let abandoned = false;
  const abandon = () => {
    abandoned = true;
    process.stderr.write(`abandoning ${runner.pending} ${runner.pending === 1 ? 'copy' : 'copies'}; destination tags are left as they were\n`);
    runner.abandon();
  };
  process.once('SIGINT', abandon);
  process.once('SIGTERM', abandon);
  // Only once the second Ctrl-C is handled: whoever reads the line may press it at once.
  process.stderr.write(`stopping: waiting for ${pending} ${pending === 1 ? 'copy' : 'copies'} to finish; press Ctrl-C again to abandon ${pending === 1 ? 'it' : 'them'}\n`);
  await Promise.all([runner.idle(), closed]);
  process.removeListener('SIGINT', abandon);
  process.removeListener('SIGTERM', abandon);
  return abandoned ? EXIT.interrupted : EXIT.ok;
}
