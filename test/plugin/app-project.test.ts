/**
 * mikr0() added to an existing Vite app (a project with its own index.html): the app's build
 * and its `/` stay as they were, the bundle goes to a folder of its own (never inside the app's
 * static outDir), and `vite dev` serves the playground at /__mikr0/ and /r/client.js without
 * Vite trying to transform it as a module of the project.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { createLogger, createServer, type Logger, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import mikr0 from '../../plugin/index.js';
import { appFiles } from './app-fixture.js';
import { buildProject, writeProject } from './project.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await fs.rm(dir, { recursive: true, force: true });
});

const list = async (dir: string) => ((await fs.readdir(dir, { recursive: true })) as string[]).map((f) => f.split(path.sep).join('/')).sort();

/** The app's build in dist/ and the bundle in dist-mikr0/, each with only its own files. */
async function expectAppBuild(dir: string) {
  const app = await list(path.join(dir, 'dist'));
  expect(app).toContain('index.html');
  expect(app).toContain('robots.txt');
  expect(app.some((f) => /^assets\/index-[\w-]+\.js$/.test(f))).toBe(true);
  expect(app.some((f) => /^assets\/index-[\w-]+\.css$/.test(f))).toBe(true);
  // Nothing of the component's bundle, above all no server code, in the static site.
  expect(app.filter((f) => /server\.cjs|template\.js|package\.json/.test(f))).toEqual([]);
  const html = await fs.readFile(path.join(dir, 'dist', 'index.html'), 'utf8');
  expect(html).toMatch(/THE_APP_PAGE/);
  // The app's asset URLs are the app's (absolute, base '/'), not the bundle's relative ones.
  expect(html).toMatch(/src="\/assets\/index-[\w-]+\.js"/);
  const main = app.find((f) => /^assets\/index-[\w-]+\.js$/.test(f))!;
  expect(await fs.readFile(path.join(dir, 'dist', main), 'utf8')).toMatch(/["'`]\/assets\/hero-[\w-]+\.png["'`]/);

  const bundle = await list(path.join(dir, 'dist-mikr0'));
  expect(bundle).toEqual(expect.arrayContaining(['template.js', 'server.cjs', 'package.json']));
  expect(bundle).not.toContain('robots.txt');
  expect(bundle).not.toContain('index.html');
  const pkg = JSON.parse(await fs.readFile(path.join(dir, 'dist-mikr0', 'package.json'), 'utf8'));
  expect(pkg).toMatchObject({ name: 'app-widget', version: '2.0.0' });
  expect(pkg.mikr0.parameters).toEqual({ who: { type: 'string', default: 'you' } });
  expect(pkg.mikr0.files.css ?? []).toEqual([]);
  expect(await fs.readFile(path.join(dir, 'dist-mikr0', 'server.cjs'), 'utf8')).toMatch(/WIDGET_SERVER_MARKER/);
  const template = await fs.readFile(path.join(dir, 'dist-mikr0', 'template.js'), 'utf8');
  expect(template).not.toMatch(/APP_MAIN_MARKER/);
  // The component's image is found relative to template.js, from any registry.
  expect(template).toMatch(/new URL\(["'`](\.\/)?assets\/badge-[\w-]+\.png["'`],\s*import\.meta\.url\)/);
  expect(bundle.some((f) => /^assets\/badge-[\w-]+\.png$/.test(f))).toBe(true);
  expect(bundle.some((f) => /hero/.test(f))).toBe(false);
}

describe('vite build of an app with mikr0()', () => {
  test('the app build stays as without mikr0(); the bundle goes to dist-mikr0/, outside it', async () => {
    const dir = await writeProject(appFiles());
    dirs.push(dir);
    await buildProject(dir, { entry: 'src/widget/index.ts' });
    await expectAppBuild(dir);
  });

  test('a page that loads /r/client.js, as in dev, still builds: the registry serves it', async () => {
    const dir = await writeProject(appFiles('<script type="module" src="/r/client.js"></script>'));
    dirs.push(dir);
    await buildProject(dir, { entry: 'src/widget/index.ts' });
    await expectAppBuild(dir);
    const scripts = (await list(path.join(dir, 'dist', 'assets'))).filter((f) => f.endsWith('.js'));
    const code = await Promise.all(scripts.map((f) => fs.readFile(path.join(dir, 'dist', 'assets', f), 'utf8')));
    expect(code.join('\n')).toMatch(/import\s*["']\/r\/client\.js["']/);
  });

  test('an outDir inside the app\'s static outDir is refused, naming the option', async () => {
    const dir = await writeProject(appFiles());
    dirs.push(dir);
    await expect(buildProject(dir, { entry: 'src/widget/index.ts', outDir: 'dist/widget' })).rejects.toThrow(/mikr0\(\{ outDir \}\)/);
    await expect(fs.access(path.join(dir, 'dist', 'widget', 'server.cjs'))).rejects.toThrow();
  });
});

/** Vite's logger, keeping every line it would print. */
function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const base = createLogger('info');
  const keep = (message: string) => void lines.push(message);
  return { lines, logger: { ...base, info: keep, warn: keep, warnOnce: keep, error: keep, clearScreen: () => {} } };
}

describe('vite dev of an app with mikr0()', () => {
  let dir: string;
  let server: ViteDevServer;
  let url: string;
  let log: ReturnType<typeof capturingLogger>;

  beforeAll(async () => {
    dir = await writeProject(appFiles('<script type="module" src="/r/client.js"></script>'));
    dirs.push(dir);
    log = capturingLogger();
    server = await createServer({
      root: dir,
      configFile: false,
      customLogger: log.logger,
      server: { port: 0, host: '127.0.0.1', ws: false },
      plugins: [mikr0({ entry: 'src/widget/index.ts' })],
    });
    await server.listen();
    url = server.resolvedUrls!.local[0].replace(/\/$/, '');
  });
  afterAll(async () => {
    await server?.close();
  });

  test('`/` is the app\'s page, /__mikr0/ the playground, /r/client.js the registry runtime, with no Vite error', async () => {
    const page = await fetch(url + '/');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toMatch(/THE_APP_PAGE/);
    expect(html).not.toMatch(/mikr0-dev-component/);

    const playground = await fetch(url + '/__mikr0/');
    expect(playground.status).toBe(200);
    const shell = await playground.text();
    expect(shell).toMatch(/<meta name="mikr0-dev-component" content='\{"name":"app-widget","version":"2.0.0"\}'>/);
    expect(shell).not.toMatch(/THE_APP_PAGE/);
    // Served at /__mikr0/, it must talk to the registry at /r, not /__mikr0/r.
    expect(shell).toMatch(/<meta name="mikr0-registry" content="\/">/);

    const client = await fetch(url + '/r/client.js');
    expect(client.status).toBe(200);
    expect(client.headers.get('content-type')).toMatch(/javascript/);
    // The registry's runtime itself, not the empty stand-in Vite's warm-up gets.
    expect(await client.text()).toMatch(/mikro-component/);

    // The page's pre-transform runs after the answer: give it time to fail, if it would.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(log.lines.join('\n')).not.toMatch(/Pre-transform error|Failed to load url|Failed to resolve/);
  });

  test('the terminal shows where the playground is, after Vite\'s own URLs', () => {
    log.lines.length = 0;
    server.printUrls();
    const printed = log.lines.join('\n');
    expect(printed).toContain(`${url}/__mikr0/`);
    expect(printed.indexOf('__mikr0')).toBeGreaterThan(printed.indexOf(`${url}/`));
  });
});

describe('vite dev of a component-only project', () => {
  test('`/` and /__mikr0/ both show the playground', async () => {
    const files = appFiles();
    const dir = await writeProject({ 'package.json': files['package.json'], 'src/index.ts': files['src/widget/index.ts'], 'src/badge.png': files['src/widget/badge.png'] });
    dirs.push(dir);
    const server = await createServer({ root: dir, configFile: false, logLevel: 'silent', server: { port: 0, host: '127.0.0.1', ws: false }, plugins: [mikr0()] });
    try {
      await server.listen();
      const base = server.resolvedUrls!.local[0].replace(/\/$/, '');
      for (const p of ['/', '/__mikr0/']) expect(await (await fetch(base + p)).text()).toMatch(/mikr0-dev-component/);
    } finally {
      await server.close();
    }
  });
});
