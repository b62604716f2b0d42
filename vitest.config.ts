import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{ingester,operator,query}/src/**/*.test.ts', 'query/ui/src/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          // The trace UI, built once for the suites that serve it.
          globalSetup: ['test/harness/build-ui.ts'],
          // Real processes (apiserver, collector, ingester) are slow to start on two cores.
          testTimeout: 60_000,
          hookTimeout: 180_000,
          // Each suite starts its own processes on free ports; two at a time suits a 2-core machine.
          maxWorkers: 2,
        },
      },
    ],
  },
});
