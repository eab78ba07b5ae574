/** Fixture projects for plugin tests: written to a temp folder, with node_modules linked to this checkout. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { createBuilder, type PluginOption } from 'vite';
import mikr0 from '../../plugin/index.js';
import { root, tempDir } from '../helpers.js';

/** The files of a fixture project folder under test/plugin/fixtures/ (or any absolute folder), by relative path. */
export async function readFixture(name: string): Promise<Record<string, Buffer>> {
  const source = path.resolve(root, 'test', 'plugin', 'fixtures', name);
  const files: Record<string, Buffer> = {};
  for (const entry of await fs.readdir(source, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) files[path.relative(source, path.join(entry.parentPath, entry.name))] = await fs.readFile(path.join(entry.parentPath, entry.name));
  }
  return files;
}

/** Writes `files` into a new temp project; `vite-plugin-mikr0` and `packages` resolve from this checkout. */
export async function writeProject(files: Record<string, string | Buffer>, packages: string[] = []): Promise<string> {
  const dir = await tempDir('mikr0-project-');
  for (const [file, content] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await fs.writeFile(path.join(dir, file), content);
  }
  const modules = path.join(dir, 'node_modules');
  await fs.mkdir(modules, { recursive: true });
  await fs.symlink(root, path.join(modules, 'vite-plugin-mikr0'), 'dir');
  for (const name of packages) {
    await fs.mkdir(path.dirname(path.join(modules, name)), { recursive: true });
    await fs.symlink(path.join(root, 'node_modules', name), path.join(modules, name), 'dir');
  }
  return dir;
}

export async function readOutput(dir: string, file: string): Promise<string> {
  return fs.readFile(path.join(dir, 'dist', file), 'utf8');
}

/** `vite build` of a project with mikr0() (and `plugins` before it), as production would run it. */
export async function buildProject(dir: string, options: Parameters<typeof mikr0>[0] = {}, plugins: PluginOption[] = []) {
  // vitest sets NODE_ENV=test, which would make Vite build React's development code.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    const builder = await createBuilder({ root: dir, configFile: false, logLevel: 'silent', plugins: [...plugins, mikr0(options)] });
    await builder.buildApp();
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
}
