import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { zip } from './zip.js';

/** The Lambda package as the stack deploys it. */
export interface LambdaBundle {
  /** Absolute path of the zip. */
  readonly zipPath: string;
  /** Hex SHA-256 of the zip: names the asset folder, so the path changes exactly when the code does. */
  readonly sha256Hex: string;
  /** Base64 SHA-256 of the zip: `source_code_hash`, and what Lambda reports as `CodeSha256`. */
  readonly sha256Base64: string;
}

/** The handler `index.handler` lives in the zip's `index.mjs`: ESM, as esbuild emits it. */
export const HANDLER = 'index.handler';
const ENTRY_NAME = 'index.mjs';

/** Zips the esbuild bundle at `bundlePath` into `zipPath`. */
export function packageLambda(bundlePath: string, zipPath: string): LambdaBundle {
  if (!existsSync(bundlePath)) {
    throw new Error(`${bundlePath} does not exist: bundle the Lambda first (\`tsx scripts/build.ts\`; \`npm run build\` does both).`);
  }
  const archive = zip([{ name: ENTRY_NAME, data: readFileSync(bundlePath) }]);
  mkdirSync(dirname(zipPath), { recursive: true });
  writeFileSync(zipPath, archive);
  const digest = createHash('sha256').update(archive).digest();
  return { zipPath, sha256Hex: digest.toString('hex'), sha256Base64: digest.toString('base64') };
}
