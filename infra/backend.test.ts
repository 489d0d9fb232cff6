import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testTempDir } from '../test/support/temp-dir.js';
import { synthesize } from './app.js';
import { S3_BACKEND_TERRAFORM_VERSION, StateBackendError, stateBackendFromEnv } from './backend.js';
import { STATE_PATH } from './names.js';
import { TERRAFORM_VERSION } from './stack.js';

const S3_ENV = { TF_STATE_BUCKET: 'acme-terraform-state', TF_STATE_KEY: 'root-ecr-mirror/terraform.tfstate', TF_STATE_REGION: 'eu-west-1' };

function synthesizedTerraform(env: NodeJS.ProcessEnv): { backend: Record<string, unknown>; required_version: string } {
  const rootDir = testTempDir('infra-backend-');
  writeFileSync(join(rootDir, 'index.mjs'), 'export const handler = async () => 1;');
  const { stackDir } = synthesize({ rootDir, bundlePath: join(rootDir, 'index.mjs'), env });
  return JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8')).terraform;
}

describe('the state backend chosen at synth time', () => {
  it('is local state at the repository root when no TF_STATE_* variable is set', () => {
    expect(stateBackendFromEnv({})).toEqual({ kind: 'local', path: STATE_PATH });
    const terraform = synthesizedTerraform({});
    expect(terraform.backend).toEqual({ local: { path: STATE_PATH } });
    expect(terraform.required_version).toBe(TERRAFORM_VERSION);
  });

  it('is S3 with S3-native locking and encryption when all three are set, and needs Terraform 1.10', () => {
    const terraform = synthesizedTerraform(S3_ENV);
    expect(terraform.backend).toEqual({
      s3: { bucket: 'acme-terraform-state', key: 'root-ecr-mirror/terraform.tfstate', region: 'eu-west-1', encrypt: true, use_lockfile: true },
    });
    expect(terraform.required_version).toBe(S3_BACKEND_TERRAFORM_VERSION);
  });

  it.each([
    [{ TF_STATE_BUCKET: 'acme-terraform-state' }, /TF_STATE_KEY and TF_STATE_REGION are not set/],
    [{ ...S3_ENV, TF_STATE_REGION: ' ' }, /TF_STATE_REGION is not set/],
    [{ ...S3_ENV, TF_STATE_BUCKET: 'Acme_State' }, /TF_STATE_BUCKET="Acme_State" is not an S3 bucket name/],
    [{ ...S3_ENV, TF_STATE_BUCKET: 'a..b' }, /not an S3 bucket name/],
    [{ ...S3_ENV, TF_STATE_KEY: '/state' }, /TF_STATE_KEY="\/state" must not start or end with "\/"/],
    [{ ...S3_ENV, TF_STATE_REGION: 'Ireland' }, /TF_STATE_REGION="Ireland" is not an AWS region/],
  ])('refuses %j, saying what to fix', (env, message) => {
    expect(() => stateBackendFromEnv(env)).toThrow(StateBackendError);
    expect(() => stateBackendFromEnv(env)).toThrow(message);
  });
});
