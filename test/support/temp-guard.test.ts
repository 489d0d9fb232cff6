// The guard around the test run: its own TMPDIR, and a failed run for whatever is left in it.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import setup, { makerOf } from './temp-guard.js';

const outerTmp = process.env.TMPDIR;
const runDirsIn = (parent: string) => readdirSync(parent).filter((name) => name.startsWith('root-ecr-mirror-test-run-'));

afterEach(() => {
  if (outerTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = outerTmp;
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

describe('the temp-dir guard', () => {
  it('points os.tmpdir() at a dir of its own, and on a clean run removes it and leaves the exit status alone', () => {
    const parent = tmpdir();
    const teardown = setup();
    const runDir = tmpdir();
    expect(runDir.startsWith(join(parent, `root-ecr-mirror-test-run-${process.pid}-`))).toBe(true);
    rmSync(mkdtempSync(join(tmpdir(), 'infra-zip-')), { recursive: true }); // made and removed: not a leak

    teardown();
    expect(tmpdir()).toBe(parent);
    expect(existsSync(runDir)).toBe(false);
    expect(process.exitCode).toBeUndefined();
  });

  it('fails the run, naming each entry left behind and its maker, and still removes them', () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const teardown = setup();
    const runDir = tmpdir();
    const leaked = [mkdtempSync(join(tmpdir(), 'cdktf.outdir.')), mkdtempSync(join(tmpdir(), 'something-else-'))];

    teardown();
    expect(process.exitCode).toBe(1);
    expect(existsSync(runDir)).toBe(false);
    const message = stderr.mock.calls.map(([chunk]) => String(chunk)).join('');
    expect(message).toContain(`left 2 entries in its temp dir ${runDir}`);
    expect(message).toContain(`  ${basename(leaked[0]!)}  (made by cdktf Testing.app()`);
    expect(message).toContain(`  ${basename(leaked[1]!)}\n`);
  });

  it('removes the run dirs of runs whose vitest is gone and that nobody touched for an hour, and no other', () => {
    const parent = tmpdir();
    const hoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
    const make = (name: string, old: boolean) => {
      const dir = join(parent, name);
      mkdirSync(dir);
      if (old) utimesSync(dir, hoursAgo, hoursAgo);
      return name;
    };
    const deadPid = 99_999_999; // above any pid_max: no such process
    const abandoned = make(`root-ecr-mirror-test-run-${deadPid}-aaaaaa`, true);
    const recent = make(`root-ecr-mirror-test-run-${deadPid}-bbbbbb`, false);
    const running = make(`root-ecr-mirror-test-run-${process.ppid}-cccccc`, true);
    const other = make('not-ours-dddddd', true);
    try {
      const teardown = setup();
      teardown();
      expect(runDirsIn(parent).sort()).toEqual([recent, running].sort());
      expect(existsSync(join(parent, other))).toBe(true);
      expect(existsSync(join(parent, abandoned))).toBe(false);
    } finally {
      for (const name of [abandoned, recent, running, other]) rmSync(join(parent, name), { recursive: true, force: true });
    }
  });

  it('names the maker of every prefix the project uses', () => {
    expect(makerOf('terraform-check-stack-Ab12Cd')).toBe('infra/terraform-check.test.ts');
    expect(makerOf('terraform-check-Ab12Cd')).toBe('scripts/terraform-check.ts checkTerraform()');
    expect(makerOf('test-registry-Ab12Cd')).toMatch(/never stopped/);
    expect(makerOf('tsx-0')).toBeUndefined();
  });
});
