// `copy` must start without the AWS SDK or Powertools: they are loaded only by the
// commands (and the ECR credential path) that need them, which keeps the copy's memory low.
import { build, type Metafile } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';

const HEAVY = /node_modules\/(@aws-sdk|@smithy|@aws-lambda-powertools)\//;

async function splitBundle(): Promise<Metafile> {
  const result = await build({
    entryPoints: ['lambda/cli/main.ts'],
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    outdir: 'out',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  return result.metafile;
}

/** Every source file loaded with `chunk`, following static imports only. */
function staticallyLoaded(metafile: Metafile, chunk: string): Set<string> {
  const inputs = new Set<string>();
  const seen = new Set<string>();
  const pending = [chunk];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (seen.has(next)) continue;
    seen.add(next);
    const output = metafile.outputs[next];
    if (!output) throw new Error(`no output chunk ${next}`);
    for (const input of Object.keys(output.inputs)) inputs.add(input);
    for (const imported of output.imports) if (imported.kind === 'import-statement' && !imported.external) pending.push(imported.path);
  }
  return inputs;
}

function chunkFor(metafile: Metafile, entryPoint: string): string {
  const found = Object.entries(metafile.outputs).find(([, output]) => output.entryPoint === entryPoint);
  if (!found) throw new Error(`${entryPoint} is not loaded on its own chunk, so it is not loaded on demand`);
  return found[0];
}

describe('CLI lazy loading', () => {
  let metafile: Metafile;
  beforeAll(async () => {
    metafile = await splitBundle();
  }, 30_000);

  it('starts, and runs copy, without loading the AWS SDK or Powertools', () => {
    for (const entry of ['lambda/cli/main.ts', 'lambda/cli/copy-command.ts']) {
      const loaded = [...staticallyLoaded(metafile, chunkFor(metafile, entry))];
      expect(loaded).toContain(entry);
      expect(loaded.filter((input) => HEAVY.test(input))).toEqual([]);
    }
  });

  it('still bundles the SDK for serve and for ECR credentials, on their own chunks', () => {
    for (const entry of ['lambda/cli/serve-command.ts', 'lambda/aws-clients.ts']) {
      const loaded = [...staticallyLoaded(metafile, chunkFor(metafile, entry))];
      expect(loaded.some((input) => input.includes('node_modules/@aws-sdk/'))).toBe(true);
    }
  });
});
