/**
 * The playground: a static app that registry-lite serves at `/`. Every URL in it is
 * relative (`base: './'`), so it works under any path prefix the registry is mounted at.
 * `vite -c playground/vite.config.ts` develops it against a running registry
 * (MIKR0_REGISTRY, default http://localhost:4910) through a proxy for `/r`.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const dir = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: dir,
  base: './',
  publicDir: false,
  build: {
    outDir: path.resolve(dir, '../dist/playground'),
    emptyOutDir: true,
    target: 'es2022',
  },
  server: {
    proxy: { '/r': process.env.MIKR0_REGISTRY ?? 'http://localhost:4910' },
  },
});
