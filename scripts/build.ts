// Bundles the Lambda and the CLI into single ESM files with esbuild.
import { build, type BuildOptions } from 'esbuild';

const common: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  sourcemap: false,
  minify: true,
  legalComments: 'none',
  // Some CommonJS dependencies call require() for Node built-ins; give the ESM bundle one.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: 'warning',
};

await Promise.all([
  // The Lambda runs on the runtime infra/function.ts deploys (nodejs24.x); the CLI on any
  // Node.js the project supports (package.json `engines`: >= 22).
  build({ ...common, target: 'node24', entryPoints: ['lambda/index.ts'], outfile: 'dist/lambda/index.mjs' }),
  build({ ...common, target: 'node22', entryPoints: ['lambda/cli/main.ts'], outfile: 'dist/cli.mjs' }),
]);
console.log('built dist/lambda/index.mjs and dist/cli.mjs');
