import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testTempDir } from '../test/support/temp-dir.js';
import { synthesize } from './app.js';

function workspace(code: string): { rootDir: string; bundlePath: string } {
  const rootDir = testTempDir('infra-synth-');
  const bundlePath = join(rootDir, 'index.mjs');
  writeFileSync(bundlePath, code);
  return { rootDir, bundlePath };
}

describe('synthesis without the cdktf CLI', () => {
  it('writes a self-contained Terraform directory: the JSON and the zip it names', () => {
    const started = Date.now();
    const { stackDir } = synthesize(workspace('export const handler = async () => 1;'));
    expect(Date.now() - started).toBeLessThan(20_000);

    const config = JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8')) as {
      resource: { aws_lambda_function: { function: { filename: string } } };
    };
    const filename = config.resource.aws_lambda_function.function.filename;
    expect(filename).toMatch(/^assets\/lambda_bundle\/[0-9a-f]{64}\/lambda\.zip$/);
    expect(existsSync(join(stackDir, filename))).toBe(true); // relative to `terraform -chdir=<stackDir>`
  });

  it('gives the same JSON on every machine for the same code, and new JSON for new code', () => {
    const read = (code: string) => readFileSync(join(synthesize(workspace(code)).stackDir, 'cdk.tf.json'), 'utf8');
    const first = read('same');
    expect(read('same')).toBe(first); // no absolute paths, timestamps or stack traces
    expect(first).not.toContain(tmpdir());
    expect(read('changed')).not.toBe(first);
  });
});
