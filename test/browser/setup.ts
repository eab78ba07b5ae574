/**
 * Global setup: builds the browser fixtures once per test run with the real plugin
 * (`vite build` with mikr0()), into temp folders the browser tests publish from.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildProject, readFixture, writeProject } from '../plugin/project.js';
import { root } from '../helpers.js';

/** Packages a React fixture imports, linked from this checkout's node_modules. */
const REACT = ['react', 'react-dom', 'scheduler'];

export const BUILDS: readonly { fixture: string; version: string; packages?: string[]; packageJson?: Record<string, unknown> }[] = [
  { fixture: 'greeter', version: '1.0.0' },
  { fixture: 'greeter', version: '2.0.0' },
  { fixture: 'badge', version: '1.0.0' },
  { fixture: 'ssr-card', version: '1.0.0' },
  // Shared packages (shared.test.ts): two React components from two bundles, and react-b again
  // as react-old, whose package.json asks for React 18, so the page's React 19 does not fit it.
  { fixture: 'react-a', version: '1.0.0', packages: REACT },
  { fixture: 'react-b', version: '1.0.0', packages: REACT },
  { fixture: 'react-b', version: '1.0.0', packages: REACT, packageJson: { name: 'react-old', devDependencies: { react: '^18.2.0', 'react-dom': '^18.2.0' } } },
];

declare module 'vitest' {
  export interface ProvidedContext {
    /** `name@version` → the folder holding its built bundle (the name is the fixture's, unless BUILDS renames it). */
    browserBundles: Record<string, string>;
  }
}

export default async function setup(project: TestProject) {
  const bundles: Record<string, string> = {};
  const folders: string[] = [];
  for (const { fixture, version, packages, packageJson } of BUILDS) {
    const files = await readFixture(path.join(root, 'test', 'browser', 'fixtures', fixture));
    const pkg = { ...JSON.parse(files['package.json']!.toString('utf8')), ...packageJson };
    files['package.json'] = Buffer.from(JSON.stringify(pkg));
    const dir = await writeProject(files, packages);
    await buildProject(dir, { version });
    bundles[`${pkg.name}@${version}`] = path.join(dir, 'dist');
    folders.push(dir);
  }
  project.provide('browserBundles', bundles);
  return async () => {
    for (const dir of folders) await fs.rm(dir, { recursive: true, force: true });
  };
}
