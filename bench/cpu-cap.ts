// Runs benchmark commands under a CPU cap the size of a Lambda's share: at 1,024 MB a function
// gets about 0.58 of a vCPU (1,769 MB = 1 vCPU). Uses, in order, a cgroup v2 `cpu.max`, a cgroup
// v1 `cpu.cfs_quota_us`, or `systemd-run --scope -p CPUQuota=`; none of them, and there is no cap.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const LAMBDA_1024MB_CPU = 1024 / 1769;

export interface CpuCap {
  /** How the cap is applied, for the output. */
  readonly how: string;
  /** The command line that runs `command args` inside the cap. */
  wrap(command: string, args: readonly string[]): [string, string[]];
  close(): void;
}

const PERIOD_US = 100_000;

function cgroupCap(dir: string, how: string): CpuCap {
  return {
    how,
    // The shell joins the cgroup, then becomes the command: everything it starts stays inside.
    wrap: (command, args) => ['sh', ['-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', dir, command, ...args]],
    close: () => {
      try {
        rmdirSync(dir);
      } catch {
        // still busy or already gone: the kernel frees an empty cgroup directory with the next rmdir
      }
    },
  };
}

function tryCgroupV2(quotaUs: number): CpuCap | undefined {
  const root = '/sys/fs/cgroup';
  const controllers = join(root, 'cgroup.controllers');
  if (!existsSync(controllers) || !readFileSync(controllers, 'utf8').split(/\s+/).includes('cpu')) return undefined;
  try {
    const subtree = readFileSync(join(root, 'cgroup.subtree_control'), 'utf8');
    if (!subtree.split(/\s+/).includes('cpu')) writeFileSync(join(root, 'cgroup.subtree_control'), '+cpu');
    const dir = join(root, `root-ecr-mirror-bench-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'cpu.max'), `${quotaUs} ${PERIOD_US}`);
    return cgroupCap(dir, `cgroup v2 cpu.max "${quotaUs} ${PERIOD_US}"`);
  } catch {
    return undefined;
  }
}

function tryCgroupV1(quotaUs: number): CpuCap | undefined {
  const root = '/sys/fs/cgroup/cpu';
  if (!existsSync(join(root, 'cpu.cfs_quota_us'))) return undefined;
  try {
    const dir = join(root, `root-ecr-mirror-bench-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'cpu.cfs_period_us'), String(PERIOD_US));
    writeFileSync(join(dir, 'cpu.cfs_quota_us'), String(quotaUs));
    return cgroupCap(dir, `cgroup v1 cpu.cfs_quota_us=${quotaUs} per ${PERIOD_US} us`);
  } catch {
    return undefined;
  }
}

function trySystemdRun(fraction: number): CpuCap | undefined {
  const quota = `CPUQuota=${Math.round(fraction * 100)}%`;
  try {
    execFileSync('systemd-run', ['--scope', '--quiet', '-p', quota, 'true'], { stdio: 'ignore', timeout: 10_000 });
  } catch {
    return undefined;
  }
  return {
    how: `systemd-run --scope -p ${quota}`,
    wrap: (command, args) => ['systemd-run', ['--scope', '--quiet', '-p', quota, command, ...args]],
    close: () => undefined,
  };
}

/** A cap of `fraction` of one CPU, or the reason there is none. */
export function openCpuCap(fraction: number): CpuCap | { readonly unavailable: string } {
  const quotaUs = Math.round(fraction * PERIOD_US);
  return (
    tryCgroupV2(quotaUs) ??
    tryCgroupV1(quotaUs) ??
    trySystemdRun(fraction) ?? { unavailable: 'no writable cgroup cpu controller (v2 cpu.max or v1 cpu.cfs_quota_us) and no working systemd-run' }
  );
}
