import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../dist/cli.mjs', import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built CLI (`npm run build` first) with its own environment. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runProcess(process.execPath, [CLI, ...args], env);
}

/** Runs a program with a minimal environment of its own plus `env`. */
export function runProcess(command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, POWERTOOLS_LOG_LEVEL: 'SILENT', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The built CLI running on a pseudo-terminal (util-linux script(1)): its output as it arrives, and a keyboard. */
export interface TerminalSession {
  /** Everything printed so far (stdout and stderr share the terminal). */
  output(): string;
  /** Each piece of output with the time it arrived (ms since the start). */
  readonly chunks: ReadonlyArray<{ readonly at: number; readonly text: string }>;
  /** Types on the terminal's keyboard: `\x03` is Ctrl-C. */
  type(text: string): void;
  /** Resolves once the output matches, or fails after `timeoutMs` showing what was printed. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  readonly exited: Promise<CliResult>;
}

export function startOnTerminal(args: readonly string[], env: NodeJS.ProcessEnv = {}): TerminalSession {
  const quote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;
  // exec: the shell script(1) starts must not stay in between, or Ctrl-C reaches it too and it exits 130.
  const command = `exec ${[process.execPath, CLI, ...args].map(quote).join(' ')}`;
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, POWERTOOLS_LOG_LEVEL: 'SILENT', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const started = Date.now();
  const chunks: Array<{ at: number; text: string }> = [];
  let text = '';
  const waiters = new Set<() => void>();
  child.stdout.on('data', (c: Buffer) => {
    chunks.push({ at: Date.now() - started, text: c.toString() });
    text += c.toString();
    for (const wake of waiters) wake();
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<CliResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      for (const wake of waiters) wake();
      resolve({ code, stdout: text, stderr });
    });
  });
  return {
    output: () => text,
    chunks,
    type: (keys) => child.stdin.write(keys),
    exited,
    waitFor: (pattern, timeoutMs = 20_000) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (pattern.test(text)) {
            cleanup();
            resolve();
          } else if (child.exitCode !== null) {
            cleanup();
            reject(new Error(`exited (${child.exitCode}) before printing ${pattern}; it printed:\n${text}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          child.kill('SIGKILL');
          reject(new Error(`no ${pattern} within ${timeoutMs} ms; it printed:\n${text}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
  };
}
