/**
 * mikr0:share in the build: a React component's template.js asks the page's share scope for
 * React and keeps its own copy in a chunk of its own; server.cjs and `shared: false` are untouched.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { resolveSharedGroups, declaredRange } from '../../plugin/share.js';
import { root } from '../helpers.js';
import { buildProject, readFixture, writeProject } from './project.js';

const REACT = ['react', 'react-dom', 'scheduler'];
const folders: string[] = [];
afterAll(async () => {
  for (const dir of folders) await fs.rm(dir, { recursive: true, force: true });
});

async function build(options: Parameters<typeof buildProject>[1] = {}) {
  const dir = await writeProject(await readFixture(path.join(root, 'test', 'browser', 'fixtures', 'react-a')), REACT);
  folders.push(dir);
  await buildProject(dir, options);
  const dist = path.join(dir, 'dist');
  const chunks = await fs.readdir(path.join(dist, 'chunks')).catch(() => [] as string[]);
  const read = (file: string) => fs.readFile(path.join(dist, file), 'utf8');
  return { dir, dist, chunks, read };
}

describe('mikr0:share', () => {
  test('template.js gets React from the share scope; its own React is a separate chunk; server.cjs is untouched', async () => {
    const { chunks, read } = await build();
    const template = await read('template.js');
    expect(template).toContain('mikr0Share');
    expect(template).toMatch(/[`"]react[`"],[`"]19\.\d+\.\d+[`"],[`"]>=19\.0\.0 <20\.0\.0-0[`"]/);
    // React's code is not in template.js: only in the chunk loaded when the page has no React that fits.
    expect(template).not.toContain('react.transitional.element');
    const own = [];
    for (const chunk of chunks) if ((await read(`chunks/${chunk}`)).includes('react.transitional.element')) own.push(chunk);
    expect(own).toHaveLength(1);
    const server = await read('server.cjs');
    expect(server).not.toContain('mikr0Share');
  });

  test('shared: false bundles React into the component as before', async () => {
    const { read, chunks } = await build({ shared: false });
    const all = [await read('template.js'), ...(await Promise.all(chunks.map((c) => read(`chunks/${c}`))))].join('\n');
    expect(all).not.toContain('mikr0Share');
    expect(all).toContain('react.transitional.element');
  });

  test("in an app project, the app's own build keeps its React; only the component's bundle shares", async () => {
    const files = await readFixture(path.join(root, 'test', 'browser', 'fixtures', 'react-a'));
    files['index.html'] = Buffer.from('<!doctype html><div id="app"></div><script type="module" src="/src/main.js"></script>');
    files['src/main.js'] = Buffer.from(`import { createElement } from 'react';\nimport { createRoot } from 'react-dom/client';\ncreateRoot(document.getElementById('app')).render(createElement('p', null, 'app'));\n`);
    const dir = await writeProject(files, REACT);
    folders.push(dir);
    await buildProject(dir, { entry: 'src/index.jsx' });
    const app = await fs.readdir(path.join(dir, 'dist', 'assets'));
    const appCode = (await Promise.all(app.filter((f) => f.endsWith('.js')).map((f) => fs.readFile(path.join(dir, 'dist', 'assets', f), 'utf8')))).join('\n');
    expect(appCode).not.toContain('mikr0Share');
    expect(appCode).toContain('react.transitional.element');
    expect(await fs.readFile(path.join(dir, 'dist-mikr0', 'template.js'), 'utf8')).toContain('mikr0Share');
  });

  test('groups: the installed version, the declared range as comparators, extra packages join their group', () => {
    const groups = resolveSharedGroups(root, ['preact/compat', 'no-such-package']);
    const react = groups.find((g) => g.name === 'react')!;
    expect(react.members).toEqual(['react', 'react/jsx-runtime', 'react-dom', 'react-dom/client']);
    expect(react.packages).toEqual(['react', 'react-dom']);
    expect(groups.find((g) => g.name === 'preact')!.members).toContain('preact/compat');
    expect(groups.some((g) => g.name === 'no-such-package')).toBe(false);
    expect(declaredRange({ dependencies: { react: '^18.2.0' } }, 'react')).toBe('>=18.2.0 <19.0.0-0');
    expect(declaredRange({ devDependencies: { react: 'workspace:*' } }, 'react')).toBeNull();
    expect(declaredRange({}, 'react')).toBeNull();
  });
});
