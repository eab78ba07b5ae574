/**
 * `mikr0 publish` with no folder, as README says to run it after `vite build`: it finds the
 * folder the build wrote (dist-mikr0/ for an app with an index.html, dist/ for a component-only
 * project), says which, and names `vite build` when there is nothing built. The built CLI,
 * run in the project folder against a real registry.
 */
import fs from 'node:fs/promises';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { appFiles } from '../plugin/app-fixture.js';
import { buildProject, writeProject } from '../plugin/project.js';
import { mikr0 } from '../cli/process.js';
import { startRegistry, type TestRegistry } from '../helpers.js';

let registry: TestRegistry;
const dirs: string[] = [];
beforeAll(async () => {
  registry = await startRegistry();
});
afterAll(async () => {
  await registry?.close();
  for (const dir of dirs) await fs.rm(dir, { recursive: true, force: true });
});

const project = async (files: Record<string, string>) => {
  const dir = await writeProject(files);
  dirs.push(dir);
  return dir;
};

test('in an app, `mikr0 publish` publishes dist-mikr0/, not the app\'s dist/', async () => {
  const dir = await project(appFiles());
  await buildProject(dir, { entry: 'src/widget/index.ts' });
  const result = await mikr0(['publish', '-r', registry.url, '-t', registry.token], dir);
  expect(result.stderr).toMatch(/publishing dist-mikr0\//);
  expect(result.code).toBe(0);
  expect(result.stdout.trim()).toBe(`${registry.url}/r/component/app-widget/2.0.0`);
  const rendered = await (await fetch(`${registry.url}/r/component/app-widget/2.0.0?who=Ann`)).json();
  expect(JSON.stringify(rendered)).toMatch(/WIDGET_SERVER_MARKER Ann/);
});

test('in a component-only project, `mikr0 publish` publishes dist/', async () => {
  const files = appFiles();
  const dir = await project({
    'package.json': JSON.stringify({ name: 'plain-widget', version: '1.0.0', type: 'module' }),
    'src/index.ts': files['src/widget/index.ts'],
    'src/badge.png': files['src/widget/badge.png'],
  });
  await buildProject(dir);
  const result = await mikr0(['publish', '-r', registry.url, '-t', registry.token], dir);
  expect(result.stderr).toMatch(/publishing dist\//);
  expect(result.code).toBe(0);
  expect(result.stdout.trim()).toBe(`${registry.url}/r/component/plain-widget/1.0.0`);
});

test('with nothing built, `mikr0 publish` says to run vite build, naming both folders', async () => {
  // An app built without mikr0(): its dist/ has no bundle in it.
  const dir = await project({ ...appFiles(), 'dist/index.html': '<!doctype html>' });
  const result = await mikr0(['publish', '-r', registry.url, '-t', registry.token], dir);
  expect(result.code).not.toBe(0);
  expect(result.stderr).toMatch(/dist-mikr0\/package\.json/);
  expect(result.stderr).toMatch(/dist\/package\.json/);
  expect(result.stderr).toMatch(/run `vite build` first/);
});
