/**
 * Where this package's own files are — package.json, and what `npm run build` writes to dist/
 * (the browser runtime, the playground, the sandbox process) — the same from the published
 * package (this file is dist/runtime/node/package-root.js) and from the sources the tests
 * import (runtime/node/package-root.ts): our package.json is found by our own name (Node's
 * package self-reference, which the "./package.json" entry of "exports" allows), so no file
 * has to know how deep below the root it sits.
 */
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The folder holding this package's package.json. */
export const packageRoot = path.dirname(require.resolve('vite-plugin-mikr0/package.json'));

export const packageVersion: string = require('vite-plugin-mikr0/package.json').version;

/** A path in the package's dist/: built files exist only there, even when this code runs from source. */
export function builtPath(...segments: string[]): string {
  return path.join(packageRoot, 'dist', ...segments);
}
