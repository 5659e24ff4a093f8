import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // A budget against hangs, not a speed target: on a loaded 2-core machine a browser story that takes 25 s
    // when the machine is quiet has taken over 60 s.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: true,
    // Each worker keeps its modules between files: re-importing Fastify, Prisma and the app for every file
    // was a third of the suite's CPU. Tests leave no process-wide state behind (no env changes, no fake
    // timers), and the one process-wide registry (metrics) is asserted as differences.
    isolate: false,
    maxWorkers: 2,
    reporters: ['default', ['json', { outputFile: 'test/artifacts/vitest-report.json' }]],
  },
});
