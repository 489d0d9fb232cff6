// Shared by the infra tests: the stack synthesized around a small stand-in bundle.
import { Testing } from 'cdktf';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LambdaBundle, packageLambda } from '../../infra/bundle.js';
import { STACK_NAME } from '../../infra/names.js';
import { MirrorStack } from '../../infra/stack.js';

/** The synthesized configuration, as Terraform reads it. */
export interface Synthesized {
  readonly json: string;
  readonly config: TerraformJson;
  readonly bundle: LambdaBundle;
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

export function fixtureBundle(code = 'export const handler = async () => ({ statusCode: 200 });\n'): LambdaBundle {
  const dir = mkdtempSync(join(tmpdir(), 'infra-bundle-'));
  writeFileSync(join(dir, 'index.mjs'), code);
  return packageLambda(join(dir, 'index.mjs'), join(dir, 'lambda.zip'));
}

let cached: Synthesized | undefined;

export function synthesized(): Synthesized {
  if (cached) return cached;
  const bundle = fixtureBundle();
  const stack = new MirrorStack(Testing.app({ stackTraces: false }), STACK_NAME, { bundle });
  const json = Testing.synth(stack);
  cached = { json, config: JSON.parse(json) as TerraformJson, bundle };
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
