/**
 * `vite build` of a component project folder, with this checkout as its `vite-plugin-mikr0`
 * (linked into the project's node_modules; other packages resolve from the checkout's). Its own
 * vite.config.ts when it has one (the starters), otherwise mikr0() alone. Returns its dist/.
 * Shared by `npm start` (scripts/demo.js) and bench/mount.js.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBuilder } from 'vite';
import mikr0 from '../dist/plugin/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export async function buildComponent(project) {
  const link = path.join(project, 'node_modules', 'vite-plugin-mikr0');
  fs.mkdirSync(path.dirname(link), { recursive: true });
  if (!fs.existsSync(link)) fs.symlinkSync(root, link, 'dir');
  // A production build, whatever the calling process's NODE_ENV (vitest sets "test").
  process.env.NODE_ENV = 'production';
  const configFile = path.join(project, 'vite.config.ts');
  const config = fs.existsSync(configFile) ? { configFile } : { configFile: false, plugins: [mikr0()] };
  await (await createBuilder({ root: project, logLevel: 'silent', ...config })).buildApp();
  return path.join(project, 'dist');
}
