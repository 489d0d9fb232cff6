import { App } from 'cdktf';
import { join } from 'node:path';
import { type StateBackend, stateBackendFromEnv } from './backend.js';
import { packageLambda } from './bundle.js';
import { STACK_NAME } from './names.js';
import { MirrorStack } from './stack.js';

export interface SynthOptions {
  /** The repository root: every other path is relative to it. */
  readonly rootDir: string;
  readonly bundlePath?: string;
  readonly zipPath?: string;
  readonly outdir?: string;
  /** TF_STATE_BUCKET, TF_STATE_KEY and TF_STATE_REGION choose S3 state; default process.env. */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Packages the bundle and writes the Terraform JSON, with no cdktf CLI involved:
 * the result is `<outdir>/stacks/root-ecr-mirror/cdk.tf.json` plus the zip beside it.
 */
export function synthesize(options: SynthOptions): { stackDir: string; zipSha256: string; backend: StateBackend } {
  const backend = stateBackendFromEnv(options.env ?? process.env);
  const bundle = packageLambda(
    options.bundlePath ?? join(options.rootDir, 'dist/lambda/index.mjs'),
    options.zipPath ?? join(options.rootDir, 'dist/lambda.zip'),
  );
  const outdir = options.outdir ?? join(options.rootDir, 'cdktf.out');
  // No stack traces in the output: they hold machine paths and would make every synth differ.
  const app = new App({ outdir, stackTraces: false });
  new MirrorStack(app, STACK_NAME, { bundle, backend });
  app.synth();
  return { stackDir: join(outdir, 'stacks', STACK_NAME), zipSha256: bundle.sha256Hex, backend };
}
