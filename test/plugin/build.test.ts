import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import react from '@vitejs/plugin-react';
import { createBuilder } from 'vite';
import { buildProject, readFixture, readOutput, writeProject } from './project.js';
import { publishDir, root, startRegistry, type TestRegistry } from '../helpers.js';

const build = buildProject;

const vanilla = {
  'package.json': JSON.stringify({ name: 'vanilla-card', version: '1.2.3', description: 'A card', type: 'module' }),
  'src/format.ts': `import semver from 'semver';\nexport const describeVersion = (v: string) => semver.valid(v) ? 'valid ' + semver.major(v) : 'invalid';\n`,
  'src/dom.ts': `export function paint(el: HTMLElement, text: string) { el.textContent = 'CLIENT_ONLY_MARKER ' + text; }\n`,
  'src/style.css': `.card { color: rebeccapurple; }\n`,
  'src/index.ts': `import { createComponent } from 'vite-plugin-mikr0/runtime';
import { describeVersion } from './format';
import { paint } from './dom';
import './style.css';

const SERVER_SECRET = 'SERVER_ONLY_MARKER';

export default createComponent({
  parameters: {
    version: { type: 'string', mandatory: true, description: 'a semver' },
    size: { type: 'string', enum: ['s', 'm'], default: 's' },
  },
  plugins: { getUser: async (id: number) => ({ id }) },
  async loader({ parameters }) {
    return { text: describeVersion(parameters.version), secret: SERVER_SECRET, size: parameters.size };
  },
  actions: {
    double: (n: number) => n * 2,
  },
  mount(element, data) {
    paint(element, data.text);
  },
  unmount(element) {
    element.textContent = '';
  },
});
`,
};

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await fs.rm(dir, { recursive: true, force: true });
});

describe('vite build with mikr0()', () => {
  test('a vanilla TS component: both halves, split apart, and a package.json that describes them', async () => {
    const dir = await writeProject(vanilla, ['semver']);
    dirs.push(dir);
    await build(dir);
    const files = (await fs.readdir(path.join(dir, 'dist'), { recursive: true })).sort();
    expect(files).toContain('template.js');
    expect(files).toContain('server.cjs');
    expect(files).toContain('package.json');
    const template = await readOutput(dir, 'template.js');
    const server = await readOutput(dir, 'server.cjs');
    // The client half: mount/unmount and what they use; nothing of the server.
    expect(template).toMatch(/CLIENT_ONLY_MARKER/);
    expect(template).not.toMatch(/SERVER_ONLY_MARKER|semver|describeVersion|getUser|double/);
    expect(template).toMatch(/export\s*\{[^}]*default/);
    // The server half: loader/actions, semver bundled (CommonJS handled), no DOM code.
    expect(server).toMatch(/SERVER_ONLY_MARKER/);
    expect(server).not.toMatch(/CLIENT_ONLY_MARKER|textContent/);
    expect(server).not.toMatch(/require\(["']semver["']\)/);
    const pkg = JSON.parse(await readOutput(dir, 'package.json'));
    expect(pkg).toMatchObject({ name: 'vanilla-card', version: '1.2.3', description: 'A card' });
    expect(pkg.mikr0.parameters).toEqual({
      version: { type: 'string', mandatory: true, description: 'a semver' },
      size: { type: 'string', enum: ['s', 'm'], default: 's' },
    });
    expect(pkg.mikr0.plugins).toEqual(['getUser']);
    expect(pkg.mikr0.files.template).toBe('template.js');
    expect(pkg.mikr0.files.css).toHaveLength(1);
    expect(await readOutput(dir, pkg.mikr0.files.css[0])).toMatch(/\.card\{color:/);
    for (const file of ['template.js', 'server.cjs', pkg.mikr0.files.css[0]]) {
      const bytes = await fs.readFile(path.join(dir, 'dist', file));
      expect(pkg.mikr0.sizes[file].raw).toBe(bytes.length);
      expect(pkg.mikr0.integrity[file]).toMatch(/^sha256-/);
    }
  });

  test('the built bundle publishes unchanged and renders in registry-lite', async () => {
    const dir = await writeProject({ ...vanilla, 'package.json': JSON.stringify({ name: 'vanilla-card', version: '2.0.0' }) }, ['semver']);
    dirs.push(dir);
    await build(dir);
    let registry: TestRegistry | undefined;
    try {
      registry = await startRegistry({ plugins: { getUser: async (id: number) => ({ id }) } });
      const res = await publishDir(registry, path.join(dir, 'dist'));
      expect(res.status, await res.clone().text()).toBe(201);
      const render = await (await fetch(`${registry.url}/r/component/vanilla-card/2?version=3.1.4`)).json();
      expect(render.data).toEqual({ text: 'valid 3', secret: 'SERVER_ONLY_MARKER', size: 's' });
      expect(render.css).toHaveLength(1);
      const bad = await fetch(`${registry.url}/r/component/vanilla-card/2?size=xl`);
      expect((await bad.json()).error.details.map((d: any) => d.path)).toEqual(['version', 'size']);
      const action = await fetch(`${registry.url}/r/action/vanilla-card/2.0.0`, { method: 'POST', body: JSON.stringify({ action: 'double', input: 21 }) });
      expect(await action.json()).toEqual({ data: 42 });
    } finally {
      await registry?.close();
    }
  });

  test('a React component with JSX, a CSS module and an imported image', async () => {
    const dir = await writeProject(await readFixture('react-card'), ['react', 'react-dom', 'scheduler']);
    dirs.push(dir);
    await build(dir, {}, [react()]);
    const pkg = JSON.parse(await readOutput(dir, 'package.json'));
    const template = await readOutput(dir, 'template.js');
    const server = await readOutput(dir, 'server.cjs');
    // The image is a file beside template.js, found relative to it from any registry.
    const png = pkg.mikr0.files.assets.find((f: string) => f.endsWith('.png'));
    expect(png).toMatch(/^assets\/logo-.*\.png$/);
    expect((await fs.readFile(path.join(dir, 'dist', png))).length).toBe(6000);
    const reference = new RegExp(`new URL\\(["'\`](\\./)?${png.replace(/[.]/g, '\\.')}["'\`],\\s*import\\.meta\\.url\\)`);
    expect(reference.test(template), 'template.js loads the image relative to itself').toBe(true);
    // The CSS module is compiled and listed for the runtime to load.
    expect(pkg.mikr0.files.css).toHaveLength(1);
    expect(await readOutput(dir, pkg.mikr0.files.css[0])).toMatch(/color:teal/);
    // React DOM only on the client; the loader only on the server.
    expect(template.includes('createRoot'), 'React DOM is in template.js').toBe(true);
    expect(/createRoot|react-dom|Card/.test(server), 'React DOM is not in server.cjs').toBe(false);
    expect(template.includes('LOADER_ONLY_MARKER'), 'the loader is not in template.js').toBe(false);
    expect(server.includes('LOADER_ONLY_MARKER'), 'the loader is in server.cjs').toBe(true);
  });

  test('with a vite.config file: assets relative to template.js, named for the registry in server HTML, CSS once', async () => {
    // A config file is resolved again per environment, so mikr0() runs more than once.
    const files = await readFixture(path.join(root, 'test', 'browser', 'fixtures', 'ssr-card'));
    const dir = await writeProject({ ...files, 'vite.config.mjs': `import mikr0 from 'vite-plugin-mikr0';\nexport default { plugins: [mikr0()] };\n` });
    dirs.push(dir);
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await (await createBuilder({ root: dir, logLevel: 'silent' })).buildApp();
    } finally {
      process.env.NODE_ENV = nodeEnv;
    }
    const pkg = JSON.parse(await readOutput(dir, 'package.json'));
    const photo = pkg.mikr0.files.assets.find((f: string) => f.endsWith('.svg'));
    expect(photo).toMatch(/^assets\/photo-[\w-]+\.svg$/);
    const template = await readOutput(dir, 'template.js');
    expect(template).toMatch(new RegExp(`new URL\\(["'\`]${photo.replace(/[.]/g, '\\.')}["'\`],\\s*import\\.meta\\.url\\)`));
    expect(await readOutput(dir, 'server.cjs')).toContain(`"/__mikr0_static__/${photo}"`);
    // The stylesheet is the client half's; the server half emits no second copy.
    const css = (await fs.readdir(path.join(dir, 'dist', 'assets'))).filter((f) => f.endsWith('.css'));
    expect(css).toEqual([pkg.mikr0.files.css[0].replace('assets/', '')]);
  });

  test('an entry mikr0 cannot split is a build error naming the file and the fix', async () => {
    const dir = await writeProject({
      'package.json': JSON.stringify({ name: 'broken', version: '1.0.0' }),
      'src/index.ts': `const make = () => ({ mount() {} });\nexport default make();\n`,
    });
    dirs.push(dir);
    await expect(build(dir)).rejects.toThrow(/src\/index\.ts.*createComponent\(\{/s);
  });

  test('a parameters schema that is not a literal is refused with the reason', async () => {
    const dir = await writeProject({
      'package.json': JSON.stringify({ name: 'dyn', version: '1.0.0' }),
      'src/index.ts': `const schema = { a: { type: 'string' } };\nexport default { parameters: schema, loader: () => 1 };\n`,
    });
    dirs.push(dir);
    await expect(build(dir)).rejects.toThrow(/plain object literal/);
  });
});
