// A benchmark command timed from spawn to exit, with the CPU time (user + system) of everything
// it ran, as bash's `times` reports for its children, optionally inside a CPU cap.
import type { CpuCap } from './cpu-cap.js';
import { runProcess, type ProcessRun } from './run-process.js';

export interface MeasuredRun extends ProcessRun {
  readonly cpuMs: number;
}

// After the command, `times` prints the shell's own and then its children's user and system times.
const REPORT = '"$@"; status=$?; times >&2; exit $status';
const TIMES = /(\d+)m([\d.]+)s (\d+)m([\d.]+)s\s*$/;

export async function measuredRun(command: string, args: readonly string[], cap?: CpuCap): Promise<MeasuredRun> {
  const inner: [string, string[]] = ['bash', ['-c', REPORT, 'bash', command, ...args]];
  const [cmd, cmdArgs] = cap ? cap.wrap(...inner) : inner;
  const run = await runProcess(cmd, cmdArgs);
  const children = TIMES.exec(run.stderr.trimEnd());
  if (!children) throw new Error(`no CPU times from ${command}: ${run.stderr.slice(-500)}`);
  const [, um, us, sm, ss] = children.map(Number) as [number, number, number, number, number];
  return { ...run, cpuMs: (um * 60 + us + sm * 60 + ss) * 1000 };
}
