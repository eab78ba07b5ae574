/**
 * Global setup: builds the browser fixtures once per test run with the real plugin
 * (`vite build` with mikr0()), into temp folders the browser tests publish from.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildProject, readFixture, writeProject } from '../plugin/project.js';
import { root } from '../helpers.js';

export const BUILDS = [
  { fixture: 'greeter', version: '1.0.0' },
  { fixture: 'greeter', version: '2.0.0' },
  { fixture: 'badge', version: '1.0.0' },
  { fixture: 'ssr-card', version: '1.0.0' },
] as const;

declare module 'vitest' {
  export interface ProvidedContext {
    /** `fixture@version` → the folder holding its built bundle. */
    browserBundles: Record<string, string>;
  }
}

export default async function setup(project: TestProject) {
  const bundles: Record<string, string> = {};
  const folders: string[] = [];
  for (const { fixture, version } of BUILDS) {
    const dir = await writeProject(await readFixture(path.join(root, 'test', 'browser', 'fixtures', fixture)));
    await buildProject(dir, { version });
    bundles[`${fixture}@${version}`] = path.join(dir, 'dist');
    folders.push(dir);
  }
  project.provide('browserBundles', bundles);
  return async () => {
    for (const dir of folders) await fs.rm(dir, { recursive: true, force: true });
  };
}
