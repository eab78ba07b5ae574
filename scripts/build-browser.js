#!/usr/bin/env node
/**
 * `npm run build`, after tsc: the browser parts, built with Vite.
 * - dist/client.js — the browser runtime served at /r/client.js (one minified ES module);
 * - dist/playground/ — the playground app registry-lite serves at / (when its sources exist).
 */
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const BUDGET = 5 * 1024;

await build({
  root,
  configFile: false,
  logLevel: 'warn',
  build: {
    lib: { entry: path.join(root, 'runtime/client/index.ts'), formats: ['es'], fileName: () => 'client.js' },
    outDir: dist,
    emptyOutDir: false,
    copyPublicDir: false,
    target: 'es2022',
    // Lib builds keep whitespace unless the output is minified explicitly.
    rolldownOptions: { output: { minify: true } },
  },
});
const code = fs.readFileSync(path.join(dist, 'client.js'));
const gzip = gzipSync(code, { level: 9 }).length;
const kb = (n) => `${(n / 1024).toFixed(2)} kB`;
console.log(`dist/client.js  ${kb(code.length)} │ gzip: ${kb(gzip)} (budget ${kb(BUDGET)})`);
if (gzip > BUDGET) {
  console.error(`error: the browser runtime is ${gzip} bytes gzipped, over its ${BUDGET}-byte budget`);
  process.exit(1);
}

const playground = path.join(root, 'playground', 'vite.config.ts');
if (fs.existsSync(playground)) {
  await build({ configFile: playground, logLevel: 'warn' });
  console.log('dist/playground/ built');
}
