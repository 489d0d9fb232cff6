// The CLI on a machine whose own `node` is older than 22 (this development machine ships 20):
// it runs on the project's Node.js, so no NodeVersionSupportWarning ever reaches the user.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MIN_NODE_MAJOR, nodeMajor } from '../../lambda/cli/node-version.js';
import { testTempDir } from '../support/temp-dir.js';
import { CLI, runProcess } from './run-cli.js';

/** A `node` on PATH older than MIN_NODE_MAJOR, outside any node_modules. */
function olderNode(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'node');
    if (dir.includes('node_modules') || !existsSync(candidate)) continue;
    const version = spawnSync(candidate, ['--version'], { encoding: 'utf8' }).stdout?.trim() ?? '';
    if (nodeMajor(version) > 0 && nodeMajor(version) < MIN_NODE_MAJOR) return candidate;
  }
  return undefined;
}

const older = olderNode();
// Prints the version of every Node.js process that starts, parent and child alike.
// (NODE_OPTIONS splits on spaces, hence none in the script.)
const REPORT_VERSION = `--import=data:text/javascript,process.stderr.write('running-on:'+process.version+String.fromCharCode(10))`;

describe.skipIf(!older)(`the CLI started by a Node.js older than ${MIN_NODE_MAJOR} (${older ?? 'none on PATH'})`, () => {
  it('runs itself again on the Node.js npm ci installed, and answers as usual', async () => {
    const result = await runProcess(older!, [CLI, '--help'], { NODE_OPTIONS: REPORT_VERSION });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage:');
    const versions = [...result.stderr.matchAll(/running-on:(v\d+\.\d+\.\d+)/g)].map((m) => m[1]!);
    expect(versions).toHaveLength(2);
    expect(nodeMajor(versions[1]!)).toBeGreaterThanOrEqual(MIN_NODE_MAJOR);
  });

  it('passes on the exit status of the command', async () => {
    const result = await runProcess(older!, [CLI, 'no-such-command']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown command');
  });

  it('without a newer Node.js in the project, stops with one line saying what to install', async () => {
    const alone = testTempDir('cli-alone-');
    cpSync(CLI, join(alone, 'cli.mjs'));
    const result = await runProcess(older!, [join(alone, 'cli.mjs'), '--help']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/needs Node\.js >= 22, this is v\d+.*install Node\.js 22 or 24/)]);
  });
});
