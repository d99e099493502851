import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Simulator tests start worker threads of their own; forks keep each file isolated.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
