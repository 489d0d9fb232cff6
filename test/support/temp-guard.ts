// Runs once around the whole test run (vitest globalSetup, in the main process). The run gets a
// temp dir of its own: TMPDIR is set before vitest forks its workers, so os.tmpdir() in every
// worker, and every program a test starts (docker-registry, terraform, the CLI), points into it.
// Whatever is still there at the end was made by this run and not removed by its maker: the run
// fails, naming each entry. Other processes on the machine write to the shared temp dir too;
// none of them writes into this one, so the check cannot blame us for them, nor miss ours.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const RUN_DIR_PREFIX = 'root-ecr-mirror-test-run-';
/** A run dir untouched this long, whose vitest is gone, belongs to no run: a run touches its dir every few seconds. */
const ABANDONED_AFTER_MS = 60 * 60 * 1000;

/** Who makes an entry of that name, for the failure message. Longest prefix first. */
const MAKERS: ReadonlyArray<readonly [prefix: string, maker: string]> = [
  ['cdktf.outdir.', 'cdktf Testing.app() or Testing.fullSynth() without an outdir'],
  ['cdktf-module-asset-', 'cdktf TerraformModuleAsset'],
  ['infra-bundle-', 'test/infra/test-support.ts synthesized()'],
  ['infra-zip-', 'infra/zip.test.ts'],
  ['infra-synth-', 'infra/synth.test.ts'],
  ['infra-backend-', 'infra/backend.test.ts'],
  ['terraform-check-stack-', 'infra/terraform-check.test.ts'],
  ['terraform-check-', 'scripts/terraform-check.ts checkTerraform()'],
  ['tf-console-', 'infra/least-privilege.test.ts'],
  ['tf-secret-', 'test/infra/webhook-secret-validation.test.ts'],
  ['cli-alone-', 'test/cli/older-node.test.ts'],
  ['test-registry-', 'test/support/registry.ts startRegistry(): a registry never stopped'],
  ['token-server-', 'test/support/token-server.ts startTokenServer(): a token server never stopped'],
  ['docker-config-', 'test/support/docker-config.ts writeDockerConfig(): never remove()d'],
];

export function makerOf(entry: string): string | undefined {
  return MAKERS.find(([prefix]) => entry.startsWith(prefix))?.[1];
}

/** The failure message for what a run left behind, one line per entry. */
export function leftBehindMessage(runDir: string, entries: readonly string[]): string {
  const lines = [...entries].sort().map((entry) => `  ${entry}${makerOf(entry) ? `  (made by ${makerOf(entry)})` : ''}`);
  return [
    `The test run left ${entries.length} ${entries.length === 1 ? 'entry' : 'entries'} in its temp dir ${runDir} (now removed):`,
    ...lines,
    'A test removes what it makes, on failure too: use testTempDir()/withTempDir() from test/support/temp-dir.ts, or stop() what you start.',
  ].join('\n');
}

/** The pid in a run dir's name, `root-ecr-mirror-test-run-<pid>-XXXXXX`. */
function ownerPid(name: string): number | undefined {
  const match = new RegExp(`^${RUN_DIR_PREFIX}(\\d+)-`).exec(name);
  return match ? Number(match[1]) : undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Run dirs of earlier runs that never reached teardown (killed, interrupted): their vitest is gone. */
function removeAbandonedRunDirs(parent: string): void {
  for (const name of readdirSync(parent)) {
    const pid = ownerPid(name);
    if (pid === undefined || pid === process.pid || alive(pid)) continue;
    const dir = join(parent, name);
    try {
      if (Date.now() - statSync(dir).mtimeMs > ABANDONED_AFTER_MS) rmSync(dir, { recursive: true, force: true });
    } catch {
      // Gone already, or not ours to remove: leave it.
    }
  }
}

export default function setup(): () => void {
  const parent = tmpdir();
  removeAbandonedRunDirs(parent);
  const runDir = mkdtempSync(join(parent, `${RUN_DIR_PREFIX}${process.pid}-`));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = runDir;

  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    const left = readdirSync(runDir);
    rmSync(runDir, { recursive: true, force: true });
    if (left.length > 0) {
      // A throw here would print as vitest's "Startup Error" with a stack; the exit status is what fails CI.
      process.stderr.write(`\n${leftBehindMessage(runDir, left)}\n\n`);
      process.exitCode = 1;
    }
  };
}
