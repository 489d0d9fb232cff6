// `tsx infra/main.ts`: zip the Lambda bundle and synthesize the Terraform configuration.
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { synthesize } from './app.js';

const rootDir = fileURLToPath(new URL('..', import.meta.url));
try {
  const { stackDir, zipSha256, backend } = synthesize({ rootDir });
  const dir = relative(process.cwd(), stackDir) || '.';
  console.log(`synthesized ${dir} (lambda zip sha256 ${zipSha256.slice(0, 12)})`);
  console.log(backend.kind === 's3' ? `state: s3://${backend.bucket}/${backend.key} in ${backend.region}, locked with use_lockfile` : 'state: local, terraform.tfstate at the repository root');
  console.log(`next: terraform -chdir=${dir} init && terraform -chdir=${dir} apply -var-file=${join(rootDir, 'terraform.tfvars')}`);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
