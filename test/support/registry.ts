// Starts a real CNCF distribution 2.8 registry (Debian's `docker-registry`) per call, so
// integration tests run the OCI client against genuine protocol behaviour, not a mock.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { onProcessExit } from './cleanup.js';
import { findFreePort, LOOPBACK } from './net.js';
import { INSTANCE_HEADER, writeRegistryConfig, type AuthMode } from './registry-config.js';
import type { TokenServer } from './token-server.js';

export type { AuthMode } from './registry-config.js';

export interface RegistryOptions {
  auth?: AuthMode;
  /** Users for 'basic' (default `{ testuser: 'testpass' }`); 'bearer' users live on the token server. */
  users?: Record<string, string>;
  tokenServer?: TokenServer;
  /** Realm announced in Bearer challenges; defaults to the token server's (point it at a fault proxy to break token fetches). */
  realm?: string;
  startTimeoutMs?: number;
}

export interface TestRegistry {
  /** `127.0.0.1:PORT`, as it appears in image references. */
  readonly host: string;
  readonly url: string;
  readonly storageDir: string;
  readonly auth: AuthMode;
  readonly users: Readonly<Record<string, string>>;
  /** The registry's recent stdout/stderr (warn level and up), for failure messages. */
  logs(): string;
  stop(): Promise<void>;
}

const PORT_ATTEMPTS = 5;
const LOG_LIMIT = 64 * 1024;

export async function startRegistry(options: RegistryOptions = {}): Promise<TestRegistry> {
  const auth = options.auth ?? 'none';
  const users = options.users ?? { testuser: 'testpass' };
  const deadline = Date.now() + (options.startTimeoutMs ?? 15_000);
  const dir = await mkdtemp(join(tmpdir(), 'test-registry-'));
  let running: Launched | undefined;
  // Sync kill + rm: the only kind of cleanup an 'exit' handler can do.
  const releaseExitHook = onProcessExit(() => {
    running?.killNow();
    rmSync(dir, { recursive: true, force: true });
  });

  try {
    for (let attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
      const port = await findFreePort();
      const instanceId = randomUUID();
      const configPath = await writeRegistryConfig({ dir, port, instanceId, auth, users, ...pick(options) });
      running = launch(configPath, dir);
      const url = `http://${LOOPBACK}:${port}`;
      const outcome = await waitUntilReady(running, url, instanceId, deadline);
      if (outcome === 'ready') return handle(running, url, `${LOOPBACK}:${port}`);
      await running.stop();
      // Another process (often a parallel test file's registry) took the port between probe and bind.
      if (outcome === 'port-taken' && attempt < PORT_ATTEMPTS) continue;
      throw new Error(`docker-registry did not start (${outcome}) on ${url}:\n${running.logs()}`);
    }
    throw new Error('unreachable');
  } catch (error) {
    await running?.stop();
    await rm(dir, { recursive: true, force: true });
    releaseExitHook();
    throw error;
  }

  function handle(proc: Launched, url: string, host: string): TestRegistry {
    let stopping: Promise<void> | undefined;
    return {
      host,
      url,
      storageDir: join(dir, 'storage'),
      auth,
      users,
      logs: () => proc.logs(),
      stop: () =>
        (stopping ??= (async () => {
          await proc.stop();
          await rm(dir, { recursive: true, force: true });
          releaseExitHook();
        })()),
    };
  }
}

function pick(options: RegistryOptions): { tokenServer?: TokenServer; realm?: string } {
  return {
    ...(options.tokenServer ? { tokenServer: options.tokenServer } : {}),
    ...(options.realm ? { realm: options.realm } : {}),
  };
}

interface Launched {
  readonly exited: Promise<number | null>;
  hasExited(): boolean;
  logs(): string;
  killNow(): void;
  stop(): Promise<void>;
}

function launch(configPath: string, dir: string): Launched {
  const child = spawn('docker-registry', ['serve', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const capture = (chunk: Buffer): void => {
    log = (log + chunk.toString('utf8')).slice(-LOG_LIMIT);
  };
  child.stdout?.on('data', capture);
  child.stderr?.on('data', capture);
  let done = false;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', (error) => {
      capture(Buffer.from(`spawn failed: ${error.message}\n`));
      resolve(null);
    });
  }).finally(() => (done = true));
  const watchdog = startWatchdog(child, dir);
  // A forgotten stop() must not keep a script alive; the exit hook and watchdog still clean up.
  for (const handle of [child, child.stdout, child.stderr]) unref(handle);

  return {
    exited,
    hasExited: () => done,
    logs: () => log,
    killNow() {
      watchdog?.kill('SIGKILL');
      if (!done) child.kill('SIGKILL');
    },
    async stop() {
      // Kill the watchdog first so it can never signal a recycled pid later.
      watchdog?.kill('SIGKILL');
      if (done) return;
      child.kill('SIGTERM');
      const graceful = await Promise.race([exited.then(() => true), sleep(2_000).then(() => false)]);
      if (!graceful) child.kill('SIGKILL');
      await exited;
    },
  };
}

/**
 * vitest ends its fork workers with SIGTERM/SIGKILL, which skips 'exit' handlers. This
 * shell reads a pipe from us: when we die the pipe closes, and it kills the registry.
 */
function startWatchdog(child: ChildProcess, dir: string): ChildProcess | undefined {
  if (child.pid === undefined) return undefined;
  const script = 'read -r _; kill -KILL "$1" 2>/dev/null; rm -rf "$2"';
  const watchdog = spawn('sh', ['-c', script, 'watchdog', String(child.pid), dir], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  watchdog.on('error', () => undefined);
  unref(watchdog);
  unref(watchdog.stdin);
  return watchdog;
}

function unref(handle: unknown): void {
  (handle as { unref?: () => void } | null)?.unref?.();
}

type Outcome = 'ready' | 'port-taken' | 'exited' | 'timeout';

async function waitUntilReady(proc: Launched, url: string, instanceId: string, deadline: number): Promise<Outcome> {
  while (Date.now() < deadline) {
    if (proc.hasExited()) return /address already in use/i.test(proc.logs()) ? 'port-taken' : 'exited';
    try {
      const res = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(1_000) });
      await res.body?.cancel();
      // The instance header proves the answer came from our process, not another one on a reused port.
      if ((res.status === 200 || res.status === 401) && res.headers.get(INSTANCE_HEADER) === instanceId) return 'ready';
    } catch {
      // Not listening yet.
    }
    await Promise.race([sleep(25), proc.exited]);
  }
  return 'timeout';
}
