import { configDefaults, defineConfig } from 'vitest/config';

/**
 * End to end: real Chromium, the built CLI as a child process (registry replicas included),
 * the packed package installed with npm. Slow, and only they need the browser fixtures built
 * (globalSetup).
 */
const e2e = ['test/browser/**/*.test.ts', 'test/cli/**/*.test.ts', 'test/templates/**/*.test.ts', 'test/acceptance/**/*.test.ts', 'test/scale-out/**/*.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...e2e],
          // The type tests also run through `tsc --noEmit -p test/tsconfig.types.json`: a wrong
          // expectation (expectTypeOf) or an unused @ts-expect-error fails the run.
          typecheck: { enabled: true, include: ['test/**/*.types.test.ts'], tsconfig: 'test/tsconfig.types.json' },
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: e2e,
          // Builds the browser fixtures once, with the real plugin.
          globalSetup: ['test/browser/setup.ts'],
          // Mostly waiting (npm, Vite builds, the browser): two files at a time. After the unit
          // project (a group of its own, as its worker count differs).
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
