// The synthesized stack through Terraform itself (init, validate, plan -refresh=false), with the
// real AWS provider from TF_PLUGIN_MIRROR when one is given. Skips with one line without terraform.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { testTempDir } from '../test/support/temp-dir.js';
import { checkTerraform, constraintFloor, findTerraform, setAsideNewerOnly, type TerraformCheckOptions } from '../scripts/terraform-check.js';
import { synthesize } from './app.js';
import { AWS_PROVIDER_VERSION } from './stack.js';

const VAR_FILE = fileURLToPath(new URL('../terraform.tfvars.example', import.meta.url));

function synthesizedStack(): string {
  const rootDir = testTempDir('terraform-check-stack-');
  const bundlePath = join(rootDir, 'index.mjs');
  writeFileSync(bundlePath, 'export const handler = async () => ({ statusCode: 200 });\n');
  return synthesize({ rootDir, bundlePath }).stackDir;
}

const probe = checkTerraform({ stackDir: '/nonexistent', varFile: VAR_FILE, terraform: '/nonexistent/terraform' });
const options = (extra: Partial<TerraformCheckOptions> = {}): TerraformCheckOptions => ({ stackDir: synthesizedStack(), varFile: VAR_FILE, ...extra });
const terraform = findTerraform();
if (!terraform && probe.status === 'skipped') process.stdout.write(`${probe.line}\n`);

describe('the Terraform check without terraform', () => {
  it('skips with one line that says why', () => {
    expect(probe).toEqual({ status: 'skipped', line: expect.stringMatching(/^terraform check skipped: no terraform binary on PATH/) });
  });
});

describe('setting aside what an older provider predates', () => {
  const config = () => ({
    terraform: { required_providers: { aws: { version: AWS_PROVIDER_VERSION } } },
    resource: {
      aws_lambda_function: { function: { runtime: 'nodejs24.x' } },
      aws_lambda_permission: { via_url: { invoked_via_function_url: true }, other: { action: 'lambda:InvokeFunctionUrl' } },
    },
  });

  it('names each value it set aside, and touches nothing a provider knows', () => {
    const old = config();
    expect(setAsideNewerOnly(old, '5.100.0')).toEqual([
      expect.stringContaining('invoked_via_function_url'),
      expect.stringContaining('nodejs24.x'),
    ]);
    expect(old.resource.aws_lambda_permission.via_url).toEqual({});
    expect(old.resource.aws_lambda_function.function.runtime).toBe('nodejs22.x');

    const current = config();
    expect(setAsideNewerOnly(current, '6.29.0')).toEqual([]);
    expect(current).toEqual(config());
    expect(constraintFloor(AWS_PROVIDER_VERSION)).toBe('6.29.0');
  });
});

describe.skipIf(!terraform)(`${terraform ?? 'terraform'} init, validate and plan on the synthesized stack (provider mirror: ${process.env.TF_PLUGIN_MIRROR ?? 'none'})`, () => {
  it('passes with the example tfvars, naming what it set aside for an older provider', { timeout: 240_000 }, (ctx) => {
    const result = checkTerraform(options());
    if (result.status === 'skipped') {
      process.stdout.write(`${result.line}\n`); // no provider to install: neither a mirror nor the registry
      return ctx.skip();
    }
    process.stdout.write(`${result.lines.join('\n')}\n`);
    expect(result.status, result.output.slice(-4000)).toBe('passed');
    expect(result.lines).toContainEqual(expect.stringMatching(/^terraform validate: Success/));
    expect(result.lines).toContainEqual(expect.stringMatching(/^terraform plan: Plan: \d+ to add, 0 to change, 0 to destroy/));
    if (result.lines.some((line) => line.includes('older than'))) {
      expect(result.lines).toContainEqual(expect.stringContaining('invoked_via_function_url'));
    }
  });

  it('fails on an argument the provider does not have', { timeout: 240_000 }, (ctx) => {
    const result = checkTerraform(
      options({
        edit: (config) => {
          config.resource.aws_sqs_queue.queue.no_such_argument = true;
        },
      }),
    );
    if (result.status === 'skipped') return ctx.skip();
    expect(result.status).toBe('failed');
    process.stdout.write(`${result.lines.join('\n')}\n`);
    expect(result.lines.at(-1)).toMatch(/^terraform validate: FAILED: (Extraneous JSON object property|Unsupported argument) .*aws_sqs_queue\.queue.*"no_such_argument"/);
  });
});
