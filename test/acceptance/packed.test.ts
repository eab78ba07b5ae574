/**
 * The package as a clean clone packs it: the files git would commit (tracked, plus new files
 * not ignored — what `git add -A` would take; uncommitted edits are seen, ignored files such
 * as dist/ and .tsbuildinfo are not) copied to a temp folder, node_modules linked from the
 * checkout so the build can run, then `npm pack` there, whose `prepack` must build dist/.
 * Then the tarball is checked file by file, and installed as a component author installs it:
 * a plain `npm install`, which must not install (so never compiles) better-sqlite3, an optional
 * peer; `vite build` and `vite preview` must work and `mikr0 registry` must say what to install.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { root, tempDir } from '../helpers.js';
import { cleanEnv, npmInstall, npmPack, run, startServer, viteVersion } from './npm.js';

let base = '';
let unpacked = '';
let tarball = '';
const children: ChildProcess[] = [];

beforeAll(async () => {
  base = await tempDir('mikr0-packed-');
  const source = path.join(base, 'source');
  const { stdout } = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, maxBuffer: 64 * 1024 * 1024 });
  // (node_modules is linked below; as a symlink it escapes the `node_modules/` ignore rule.)
  for (const file of stdout.split('\0').filter((name) => name && name !== 'node_modules')) {
    // A tracked file deleted in the working tree is not part of the next commit.
    await fs.cp(path.join(root, file), path.join(source, file), { recursive: true }).catch((error) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
  await fs.symlink(path.join(root, 'node_modules'), path.join(source, 'node_modules'), 'dir');
  tarball = await npmPack(source, base);
  unpacked = path.join(base, 'unpacked');
  await fs.mkdir(unpacked);
  await run('tar', ['-xzf', tarball, '-C', unpacked]);
  unpacked = path.join(unpacked, 'package');
}, 240_000);

afterAll(async () => {
  for (const child of children) if (child.pid && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
  if (base) await fs.rm(base, { recursive: true, force: true });
});

async function list(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const relative = prefix + entry.name;
    if (entry.isDirectory()) out.push(...(await list(path.join(dir, entry.name), relative + '/')));
    else out.push(relative);
  }
  return out;
}

/** Every file path an `exports` map names (conditions and subpaths, nested). */
function targets(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value && typeof value === 'object') return Object.values(value).flatMap(targets);
  return [];
}

test('the tarball: built dist/, the bin, every export and its types, LICENSE, metadata, nothing dead', async () => {
  const files = new Set(await list(unpacked));
  const has = (file: string) => files.has(path.posix.normalize(file.replace(/^\.\//, '')));
  const pkg = JSON.parse(await fs.readFile(path.join(unpacked, 'package.json'), 'utf8'));

  expect([...files].some((file) => file.startsWith('dist/'))).toBe(true);
  expect(has('dist/client.js'), 'the browser runtime (scripts/build-browser.js)').toBe(true);
  for (const bin of Object.values<string>(typeof pkg.bin === 'string' ? { [pkg.name]: pkg.bin } : pkg.bin)) {
    expect(has(bin), bin).toBe(true);
    expect(await fs.readFile(path.join(unpacked, bin), 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/);
  }
  const named = [...targets(pkg.exports), ...[pkg.main, pkg.types, pkg.module].filter(Boolean)];
  expect(named).toContain('./dist/plugin/index.d.ts');
  for (const target of named) expect(has(target), target).toBe(true);

  expect(has('LICENSE')).toBe(true);
  expect(await fs.readFile(path.join(unpacked, 'LICENSE'), 'utf8')).toMatch(/MIT License[\s\S]*vite-plugin-mikr0 contributors/);
  expect(pkg.license).toBe('MIT');
  expect(pkg.keywords[0]).toBe('vite-plugin');
  expect(pkg.keywords).toEqual(expect.arrayContaining(['vite', 'micro-frontends', 'registry']));
  expect(pkg.repository.url).toContain('github.com/vite-plugin-mikr0/vite-plugin-mikr0');
  expect(pkg.homepage).toBeTruthy();
  expect(pkg.bugs.url).toBeTruthy();
  expect(pkg.dependencies['better-sqlite3'], 'optional: only the registry needs it').toBeUndefined();
  expect(pkg.peerDependencies['better-sqlite3'], 'an optional peer: npm does not install it for a component author').toBeTruthy();
  expect(pkg.peerDependenciesMeta['better-sqlite3']).toEqual({ optional: true });

  expect([...files].filter((file) => file.includes('tsbuildinfo'))).toEqual([]);
  expect([...files].filter((file) => file.startsWith('dist/test/'))).toEqual([]);
  // A source map is only worth shipping with what it points to (Vite warns about the rest).
  const dead: string[] = [];
  for (const file of [...files].filter((name) => name.endsWith('.map'))) {
    const map = JSON.parse(await fs.readFile(path.join(unpacked, file), 'utf8'));
    const dir = path.posix.join(path.posix.dirname(file), map.sourceRoot ?? '');
    for (const source of map.sources as string[]) if (!has(path.posix.join(dir, source))) dead.push(`${file} → ${source}`);
  }
  expect(dead).toEqual([]);
  // And no `sourceMappingURL` comment that names a map the tarball lacks.
  for (const file of [...files].filter((name) => name.endsWith('.js'))) {
    const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(await fs.readFile(path.join(unpacked, file), 'utf8'))?.[1];
    if (url && !url.startsWith('data:')) expect(has(path.posix.join(path.posix.dirname(file), url)), `${file} → ${url}`).toBe(true);
  }
});

test('a component author installs it without building better-sqlite3: vite build and vite preview work, mikr0 registry names the fix', { timeout: 300_000 }, async () => {
  const project = path.join(base, 'author');
  await fs.mkdir(path.join(project, 'src'), { recursive: true });
  await fs.writeFile(path.join(project, 'package.json'), JSON.stringify({ name: 'author-card', version: '1.0.0', private: true, type: 'module' }, null, 2));
  await fs.writeFile(
    path.join(project, 'vite.config.ts'),
    `import { defineConfig } from 'vite';\nimport mikr0 from 'vite-plugin-mikr0';\n\nexport default defineConfig({ plugins: [mikr0()] });\n`,
  );
  await fs.writeFile(
    path.join(project, 'src/index.ts'),
    `import { createComponent } from 'vite-plugin-mikr0/runtime';

export default createComponent({
  parameters: { who: { type: 'string', mandatory: true, example: 'World' } },
  loader: ({ parameters }) => ({ hello: parameters.who }),
  mount(element, data) {
    element.textContent = 'Hello ' + data.hello;
  },
});
`,
  );
  // A plain install, scripts on: nothing to compile, since better-sqlite3 is not installed at all.
  await npmInstall(project, [`vite@${viteVersion}`, tarball]);
  await expect(fs.stat(path.join(project, 'node_modules/better-sqlite3'))).rejects.toThrow(/ENOENT/);

  const npx = (args: string[]) => run('npx', ['--no-install', ...args], { cwd: project, env: cleanEnv(), maxBuffer: 16 * 1024 * 1024 });
  expect((await npx(['vite', 'build'])).stdout).toMatch(/author-card@1\.0\.0 is ready to publish/);

  const url = await startServer(project, ['vite', 'preview', '--host', '127.0.0.1', '--port', '0'], /Local:\s+(http:\/\/127\.0\.0\.1:\d+)/, children);
  const render = await fetch(`${url}/r/component/author-card/1.x?who=Author`);
  expect(render.status).toBe(200);
  expect(await render.json()).toMatchObject({ name: 'author-card', version: '1.0.0', data: { hello: 'Author' } });

  // The registry is what needs SQLite: one message naming the fix, a non-zero exit, no stack.
  const registry = await npx(['mikr0', 'registry', '--port', '0', '--data', 'registry-data']).then(
    () => ({ code: 0, stderr: '' }),
    (error: { code: number; stderr: string }) => error,
  );
  expect(registry.code).toBe(1);
  expect(registry.stderr).toMatch(/needs the optional package better-sqlite3[\s\S]*npm install better-sqlite3/);
  expect(registry.stderr).not.toMatch(/\n\s+at /);
});
