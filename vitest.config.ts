import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Live eBPF tests share one kernel: run files one at a time so their events do not mix.
    fileParallelism: false,
    reporters: ['default'],
  },
});
