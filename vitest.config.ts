import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['lambda/**/*.test.ts', 'infra/**/*.test.ts', 'test/**/*.test.ts'],
    // temp-guard gives the run its own TMPDIR and fails the run on anything a test left in it.
    globalSetup: ['test/support/global-setup.ts', 'test/support/temp-guard.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The JSON report lets .ci/run print a plain "N passed, N failed" closing line.
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest/report.json' },
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
