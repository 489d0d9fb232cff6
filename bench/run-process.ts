import { spawn } from 'node:child_process';

export interface ProcessRun {
  readonly wallMs: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Peak RSS in bytes, when the process reported it through the RSS probe. */
  readonly maxRssBytes?: number;
}

/** Runs a command to completion, timing it from spawn to exit; fails on a non-zero exit. */
export function runProcess(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      const wallMs = performance.now() - started;
      if (code !== 0) {
        reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.trim().slice(-2000)}`));
        return;
      }
      const rss = /RSS_PROBE_MAX_RSS_KB=(\d+)/.exec(stderr)?.[1];
      resolve({ wallMs, stdout, stderr, ...(rss ? { maxRssBytes: Number(rss) * 1024 } : {}) });
    });
  });
}
