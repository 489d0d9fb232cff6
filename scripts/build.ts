// Bundles the Lambda and the CLI into single ESM files with esbuild.
import { build, type BuildOptions } from 'esbuild';

const common: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: false,
  minify: true,
  legalComments: 'none',
  // Some CommonJS dependencies call require() for Node built-ins; give the ESM bundle one.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: 'warning',
};

await Promise.all([
  build({ ...common, entryPoints: ['lambda/index.ts'], outfile: 'dist/lambda/index.mjs' }),
  build({ ...common, entryPoints: ['lambda/cli/main.ts'], outfile: 'dist/cli.mjs' }),
]);
console.log('built dist/lambda/index.mjs and dist/cli.mjs');
