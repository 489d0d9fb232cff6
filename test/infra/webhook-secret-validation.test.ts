// webhook_signing_secret's validation, evaluated by the real Terraform on the synthesized
// variable, agrees with the check the function itself makes at start-up.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookSecretProblem } from '../../lambda/webhook/secret-strength.js';
import { synthesized } from './test-support.js';

const run = promisify(execFile);
const TERRAFORM = process.env.TERRAFORM ?? 'terraform';
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tf-secret-'));
  const variable = synthesized().config.variable['webhook_signing_secret'];
  await writeFile(join(dir, 'main.tf.json'), JSON.stringify({ variable: { webhook_signing_secret: variable } }));
  try {
    await run(TERRAFORM, ['init', '-input=false', '-backend=false'], { cwd: dir, env: terraformEnv() });
  } catch (error) {
    throw new Error(`this test needs terraform (1.11) on PATH or in $TERRAFORM: ${(error as Error).message}`);
  }
}, 60_000);
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

function terraformEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' };
}

/** Whether `terraform plan` accepts the value: validation runs before any provider is needed. */
async function terraformAccepts(secret: string): Promise<boolean> {
  try {
    await run(TERRAFORM, ['plan', '-no-color', '-input=false', '-lock=false', '-refresh=false'], {
      cwd: dir,
      env: { ...terraformEnv(), TF_VAR_webhook_signing_secret: secret },
    });
    return true;
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr).replace(/[\s│]+/g, ' ');
    expect(stderr).toMatch(/webhook_signing_secret must be "" \(not set yet\) or a secret of at least 16 bytes/);
    return false;
  }
}

const b64 = (bytes: number) => Buffer.alloc(bytes, 0xa5).toString('base64');

describe('webhook_signing_secret validation in Terraform', () => {
  it.each([
    ['', true],
    ['whsec_', false],
    [`whsec_${b64(15)}`, false],
    [`whsec_${b64(16)}`, true],
    [`whsec_${b64(32)}`, true],
    [`whsec_${b64(16).replace(/=+$/, '')}`, true],
    ['fifteen-chars-x', false],
    ['sixteen-chars-xy', true],
  ])('%j: accepted %s, as the function decides at start-up', async (secret, accepted) => {
    expect(await terraformAccepts(secret)).toBe(accepted);
    if (secret !== '') expect(webhookSecretProblem(secret) === undefined).toBe(accepted);
  }, 30_000);
});
