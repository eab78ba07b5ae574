import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Builds the browser fixtures once, with the real plugin.
    globalSetup: ['test/browser/setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
