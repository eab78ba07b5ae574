/** Fixture projects for plugin tests: written to a temp folder, with node_modules linked to this checkout. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { root, tempDir } from '../helpers.js';

/** Writes `files` into a new temp project; `vite-plugin-mikr0` and `packages` resolve from this checkout. */
export async function writeProject(files: Record<string, string>, packages: string[] = []): Promise<string> {
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
