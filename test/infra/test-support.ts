// Shared by the infra tests: the stack synthesized around a small stand-in bundle.
import { Testing } from 'cdktf';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type LambdaBundle, packageLambda } from '../../infra/bundle.js';
import { STACK_NAME } from '../../infra/names.js';
import { MirrorStack } from '../../infra/stack.js';
import { withTempDir } from '../support/temp-dir.js';

/** The synthesized configuration, as Terraform reads it. */
export interface Synthesized {
  readonly json: string;
  readonly config: TerraformJson;
  /** The zip's hashes; the zip itself is gone once synthesis is done. */
  readonly bundle: Pick<LambdaBundle, 'sha256Hex' | 'sha256Base64'>;
}

export type Block = Record<string, unknown>;
export interface TerraformJson {
  readonly terraform: Block;
  readonly variable: Record<string, Block>;
  readonly provider: Record<string, Block[]>;
  readonly resource: Record<string, Record<string, Block>>;
  readonly data: Record<string, Record<string, Block>>;
  readonly output: Record<string, Block>;
}

/** Zips `code` as the Lambda bundle into `dir`. */
export function fixtureBundle(dir: string, code = 'export const handler = async () => ({ statusCode: 200 });\n'): LambdaBundle {
  writeFileSync(join(dir, 'index.mjs'), code);
  return packageLambda(join(dir, 'index.mjs'), join(dir, 'lambda.zip'));
}

let cached: Synthesized | undefined;

export function synthesized(): Synthesized {
  if (cached) return cached;
  // The bundle and the app's outdir live only while synthesizing: Testing.synth returns the JSON
  // and writes nothing, and Testing.app() without an outdir would leave a cdktf.outdir.* in the
  // OS temp dir on every call.
  cached = withTempDir('infra-bundle-', (dir) => {
    const bundle = fixtureBundle(dir);
    const stack = new MirrorStack(Testing.app({ stackTraces: false, outdir: join(dir, 'cdktf.out') }), STACK_NAME, { bundle });
    const json = Testing.synth(stack);
    return { json, config: JSON.parse(json) as TerraformJson, bundle: { sha256Hex: bundle.sha256Hex, sha256Base64: bundle.sha256Base64 } };
  });
  return cached;
}

/** The one resource of a type and name, or a test failure naming what exists. */
export function resource(type: string, name: string): Block {
  const found = synthesized().config.resource[type]?.[name];
  if (!found) throw new Error(`no ${type}.${name}; ${type} has: ${Object.keys(synthesized().config.resource[type] ?? {}).join(', ') || 'nothing'}`);
  return found;
}

export function resourcesOf(type: string): Record<string, Block> {
  return synthesized().config.resource[type] ?? {};
}
