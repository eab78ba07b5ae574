/**
 * A new user, as README says: an existing Vite project, `npm install` of this package (from
 * `npm pack` of the checkout) and vite, mikr0() added to the existing vite.config.ts,
 * `vite build`, `npx mikr0 registry`, `npx mikr0 token create`, `npx mikr0 publish`, then the
 * render URL answers with the loader's data. Real npm, real processes. The packed package, on
 * purpose: it tests dist/ and the package's files as published, not the sources.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { root, tempDir } from '../helpers.js';
import { cleanEnv as env, npmInstall, npmPack, run, startServer, viteVersion } from './npm.js';
const children: ChildProcess[] = [];
let project = '';

afterAll(async () => {
  // npx starts the CLI as its own child: end the whole process group we started, by its id.
  for (const child of children) if (child.pid && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
  if (project) await fs.rm(path.dirname(project), { recursive: true, force: true });
});

const npx = (args: string[]) => run('npx', ['--no-install', ...args], { cwd: project, env: env(), maxBuffer: 16 * 1024 * 1024 });

test('install, add mikr0() to vite.config.ts, build, publish with the CLI, render', { timeout: 300_000 }, async () => {
  const base = await tempDir('mikr0-newuser-');
  project = path.join(base, 'my-widget');
  await fs.mkdir(path.join(project, 'src'), { recursive: true });
  // The dist/ this run built (`npm test` builds first): --ignore-scripts skips prepack, whose
  // rebuild would delete dist/ under the other tests. packed.test.ts packs a clean copy instead.
  const tarball = await npmPack(root, base, ['--ignore-scripts']);

  // The project as it was before mikr0: a plain Vite config.
  await fs.writeFile(
    path.join(project, 'package.json'),
    JSON.stringify({ name: 'my-widget', version: '1.0.0', private: true, type: 'module', allowScripts: { 'better-sqlite3': true } }, null, 2),
  );
  await fs.writeFile(path.join(project, 'vite.config.ts'), `import { defineConfig } from 'vite';\n\nexport default defineConfig({\n  build: { sourcemap: false },\n});\n`);
  // This user also runs `mikr0 registry`, so installs better-sqlite3 beside it (an optional
  // peer, as the README says). Here: the checkout's own, already built — its compile from source
  // (no prebuilt binary is reachable from this machine) would take minutes of the test's time;
  // scripts off, or npm would rebuild the linked checkout's copy in place.
  await npmInstall(project, ['--ignore-scripts', `vite@${viteVersion}`, tarball, `file:${path.join(root, 'node_modules', 'better-sqlite3')}`]);

  // Adding mikr0() to the existing config, and the component.
  const config = await fs.readFile(path.join(project, 'vite.config.ts'), 'utf8');
  await fs.writeFile(
    path.join(project, 'vite.config.ts'),
    `import mikr0 from 'vite-plugin-mikr0';\n` + config.replace('build: { sourcemap: false },', 'build: { sourcemap: false },\n  plugins: [mikr0()],'),
  );
  await fs.writeFile(
    path.join(project, 'src/index.ts'),
    `import { createComponent } from 'vite-plugin-mikr0/runtime';

export default createComponent({
  parameters: { who: { type: 'string', mandatory: true, example: 'World' } },
  loader: ({ parameters, headers }) => ({ hello: parameters.who, lang: headers['accept-language'] ?? 'en' }),
  mount(element, data) {
    element.textContent = 'Hello ' + data.hello;
  },
});
`,
  );

  const build = await npx(['vite', 'build']);
  expect(build.stdout).toMatch(/my-widget@1\.0\.0 is ready to publish/);
  const dist = await fs.readdir(path.join(project, 'dist'));
  expect(dist.sort()).toEqual(['package.json', 'server.cjs', 'template.js']);

  const url = await startServer(project, ['mikr0', 'registry', '--port', '0', '--data', 'registry-data'], /listening on (http:\/\/127\.0\.0\.1:\d+)/, children);

  const { stdout: token } = await npx(['mikr0', 'token', 'create', '--scope', 'publish', '--data', 'registry-data']);
  const published = await npx(['mikr0', 'publish', '--registry', url, '--token', token.trim()]);
  expect(published.stdout).toContain(`${url}/r/component/my-widget/1.0.0`);

  const render = await fetch(`${url}/r/component/my-widget/1.x?who=Newcomer`, { headers: { 'Accept-Language': 'it' } });
  expect(render.status).toBe(200);
  const payload = await render.json();
  expect(payload).toMatchObject({ name: 'my-widget', version: '1.0.0', data: { hello: 'Newcomer', lang: 'it' } });
  const template = await fetch(payload.src);
  expect(await template.text()).toMatch(/Hello /);
});
