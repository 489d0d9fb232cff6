// Where Terraform keeps the stack's state, chosen at synth time: local by default; an S3 bucket
// with S3-native locking (`use_lockfile`, Terraform >= 1.10) when TF_STATE_BUCKET, TF_STATE_KEY
// and TF_STATE_REGION are set, so a team shares one state and two applies never overlap.
import { LocalBackend, S3Backend, type TerraformStack } from 'cdktf';
import { STATE_PATH } from './names.js';

export const STATE_ENV = { bucket: 'TF_STATE_BUCKET', key: 'TF_STATE_KEY', region: 'TF_STATE_REGION' } as const;

/** `use_lockfile` (the lock object beside the state in S3) exists from Terraform 1.10. */
export const S3_BACKEND_TERRAFORM_VERSION = '>= 1.10.0';

export type StateBackend =
  | { readonly kind: 'local'; readonly path: string }
  | { readonly kind: 's3'; readonly bucket: string; readonly key: string; readonly region: string };

export class StateBackendError extends Error {
  override readonly name = 'StateBackendError';
}

// S3's general purpose bucket naming rules (3-63 characters; lowercase letters, digits, dots, hyphens).
const BUCKET = /^(?!xn--|sthree-|amzn-s3-demo-)(?!.*\.\.)(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/** Reads the backend from the environment; throws a StateBackendError naming what to fix. */
export function stateBackendFromEnv(env: NodeJS.ProcessEnv): StateBackend {
  const bucket = env[STATE_ENV.bucket]?.trim() ?? '';
  const key = env[STATE_ENV.key]?.trim() ?? '';
  const region = env[STATE_ENV.region]?.trim() ?? '';
  if (!bucket && !key && !region) return { kind: 'local', path: STATE_PATH };
  const missing = Object.entries({ bucket, key, region })
    .filter(([, value]) => !value)
    .map(([name]) => STATE_ENV[name as keyof typeof STATE_ENV]);
  if (missing.length > 0) {
    throw new StateBackendError(`S3 state needs ${Object.values(STATE_ENV).join(', ')} together: ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set (unset all three for local state)`);
  }
  if (!BUCKET.test(bucket)) throw new StateBackendError(`${STATE_ENV.bucket}="${bucket}" is not an S3 bucket name (3-63 lowercase letters, digits, dots and hyphens)`);
  if (key.startsWith('/') || key.endsWith('/')) throw new StateBackendError(`${STATE_ENV.key}="${key}" must not start or end with "/" (e.g. root-ecr-mirror/terraform.tfstate)`);
  if (!REGION.test(region)) throw new StateBackendError(`${STATE_ENV.region}="${region}" is not an AWS region (e.g. us-east-1)`);
  return { kind: 's3', bucket, key, region };
}

export function addStateBackend(stack: TerraformStack, backend: StateBackend): void {
  if (backend.kind === 'local') {
    new LocalBackend(stack, { path: backend.path });
    return;
  }
  const s3 = new S3Backend(stack, { bucket: backend.bucket, key: backend.key, region: backend.region, encrypt: true });
  s3.addOverride('use_lockfile', true);
}
