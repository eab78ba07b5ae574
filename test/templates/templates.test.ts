/**
 * The six starters, as a new user gets them: `mikr0 init --template <fw>`, `npm install` (the
 * plugin from `npm pack` of this checkout, the framework from the registry), `vite build`,
 * publish to a registry-lite, then in Chromium: parameter and header rendered, the click runs
 * the action, unmount leaves the host element empty, and the host page's styles are untouched;
 * the server-rendered fragment shows without JavaScript and hydrates (composed.ts).
 * One npm cache for all; install scripts skipped (building a component needs no SQLite). The
 * packed package and the built CLI, on purpose: what a new user installs and runs.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cli, publishDir, root, startRegistry, tempDir, type TestRegistry } from '../helpers.js';
import { launchBrowser } from '../browser/browser.js';
import { startPageServer } from '../browser/page-server.js';
import { checkComposed } from './composed.js';
import { checkDev, startVite } from './dev-server.js';

const run = promisify(execFile);
const FRAMEWORKS = ['vanilla', 'react', 'preact', 'vue', 'svelte', 'solid'] as const;
const timings: Record<string, { build: number; raw: number; gzip: number; devMount?: number; loaderEdit?: number; clientEdit?: number }> = {};

let base: string;
let tarball: string;
let registry: TestRegistry;
let pages: Awaited<ReturnType<typeof startPageServer>>;
let browser: Browser;

function env(): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production', NO_COLOR: '1', npm_config_cache: path.join(base, 'npm-cache') };
  for (const key of Object.keys(clean)) if (key.startsWith('MIKR0_') || key.startsWith('VITEST')) delete clean[key];
  return clean;
}

beforeAll(async () => {
  base = await tempDir('mikr0-templates-');
  // dist/ is built (npm test builds first): --ignore-scripts skips prepack, whose rebuild would
  // pull dist/ from under the tests running alongside.
  const { stdout } = await run('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', base], { cwd: root, env: env() });
  tarball = path.join(base, stdout.trim().split('\n').pop()!);
  [registry, pages, browser] = await Promise.all([startRegistry(), startPageServer(), launchBrowser()]);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await Promise.all([registry?.close(), pages?.close()]);
  if (base) await fs.rm(base, { recursive: true, force: true });
  if (Object.keys(timings).length) {
    const kb = (n: number) => `${(n / 1024).toFixed(2)} kB`;
    console.log(Object.entries(timings).map(([fw, t]) => `${fw.padEnd(8)} template.js ${kb(t.raw)} / gzip ${kb(t.gzip)} · vite build ${t.build} ms · dev mount ${t.devMount} ms, loader edit → screen ${t.loaderEdit} ms, client edit → screen ${t.clientEdit} ms`).join('\n'));
  }
});

/** The host page: its own styles on the elements a component stylesheet would most likely hit. */
const HOST_STYLE = `<style>body { font: 16px serif; } h1, p, button, img, div { color: rgb(1, 2, 3); margin: 7px; }</style>`;
const hostStyles = (page: Page) =>
  page.$$eval('#host-h1, #host-p, #host-button', (els) => els.map((el) => [getComputedStyle(el).color, getComputedStyle(el).margin, getComputedStyle(el).fontFamily]));

async function setUp(framework: string) {
  const name = `tpl-${framework}`;
  const dir = path.join(base, name);
  const init = await run(process.execPath, [cli, 'init', dir, '--template', framework, '--name', name], { env: env() });
  expect(init.stdout).toContain(`${name}: a ${framework} component`);
  const pkgFile = path.join(dir, 'package.json');
  const pkg = JSON.parse(await fs.readFile(pkgFile, 'utf8'));
  expect(Object.keys(pkg.scripts)).toEqual(expect.arrayContaining(['dev', 'build', 'publish']));
  pkg.devDependencies['vite-plugin-mikr0'] = `file:${tarball}`;
  await fs.writeFile(pkgFile, JSON.stringify(pkg, null, 2));
  await run('npm', ['install', '--include=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: dir, env: env(), maxBuffer: 32 * 1024 * 1024 });
  const started = Date.now();
  await run('npx', ['--no-install', 'vite', 'build'], { cwd: dir, env: env(), maxBuffer: 32 * 1024 * 1024 });
  const built = JSON.parse(await fs.readFile(path.join(dir, 'dist', 'package.json'), 'utf8'));
  timings[framework] = { build: Date.now() - started, ...built.mikr0.sizes['template.js'] };
  expect(built.mikr0.parameters).toMatchObject({ name: { type: 'string', mandatory: true } });
  if (framework === 'react') {
    // The split: the server renderer stays on the server, the hydrating client in the browser.
    const server = await fs.readFile(path.join(dir, 'dist', 'server.cjs'), 'utf8');
    const template = await fs.readFile(path.join(dir, 'dist', 'template.js'), 'utf8');
    // server.cjs is not minified: its modules are named in comments (`// node_modules/react-dom/cjs/...`).
    expect(server).toMatch(/react-dom-server-legacy\.browser\.production/);
    expect(server).not.toMatch(/react-dom-client/);
    expect(template).toContain('hydrateRoot');
    expect(template).not.toMatch(/renderToString|renderToReadableStream/);
  }
  const response = await publishDir(registry, path.join(dir, 'dist'));
  expect(response.status, await response.text()).toBe(201);
  return { name, dir };
}

describe.sequential('starter templates', () => {
  for (const framework of FRAMEWORKS) {
    test(`${framework}: init, install, build, publish, then it renders, runs its action, unmounts clean, leaks no CSS; composed on the server it shows without JavaScript and hydrates; live in npm run dev`, { timeout: 300_000 }, async () => {
      const { name, dir } = await setUp(framework);
      const context = await browser.newContext({ extraHTTPHeaders: { 'Accept-Language': 'fr-FR,fr;q=0.9' } });
      try {
        const page = await context.newPage();
        const errors: string[] = [];
        page.on('pageerror', (error) => errors.push(String(error)));
        const host = `<h1 id="host-h1">Host</h1><p id="host-p">text</p><button id="host-button">b</button>`;
        await page.goto(pages.page(host, `${HOST_STYLE}<script type="module" src="${registry.url}/r/client.js"></script>`));
        const before = await hostStyles(page);
        await page.evaluate((n) => {
          const element = document.createElement('mikro-component');
          element.setAttribute('name', n);
          element.setAttribute('parameters', JSON.stringify({ name: 'Ann' }));
          document.body.append(element);
          (window as any).kept = element;
        }, name);
        await page.waitForSelector('mikro-component[state=mounted] [data-testid=greeting]');
        expect(await page.textContent('[data-testid=greeting]')).toMatch(/Bonjour.*Ann/);
        expect(await page.textContent('[data-testid=lang]')).toMatch(/fr/);
        await page.waitForFunction(() => (document.querySelector('[data-testid=logo]') as HTMLImageElement | null)?.naturalWidth! > 0);
        await page.click('[data-testid=like]');
        await page.waitForFunction(() => /\d/.test(document.querySelector('[data-testid=result]')?.textContent ?? ''));
        expect(await hostStyles(page)).toEqual(before);
        // Unmount: the host element is left empty.
        const after = await page.evaluate(async () => {
          const element = (window as any).kept as HTMLElement;
          const unmounted = new Promise((resolve) => element.addEventListener('mikr0:unmounted', resolve, { once: true }));
          element.remove();
          await unmounted;
          return element.innerHTML;
        });
        expect(after).toBe('');
        expect(errors).toEqual([]);
      } finally {
        await context.close();
      }
      await checkComposed(browser, pages, registry.url, name);
      // npm run dev: the playground on the component, live (every plugin injects into its page).
      const dev = await startVite(dir, { ...env(), NODE_ENV: 'development' });
      try {
        const { mount, loaderEdit, clientEdit } = await checkDev(browser, dev.url, dir);
        Object.assign(timings[framework], { devMount: mount, loaderEdit, clientEdit });
      } catch (error) {
        throw new Error(`${(error as Error).message}\n--- vite output ---\n${dev.output()}`);
      } finally {
        await dev.stop();
      }
    });
  }

  test('two frameworks on one page at once', { timeout: 60_000 }, async () => {
    const built = FRAMEWORKS.filter((fw) => timings[fw]);
    expect(built.length).toBeGreaterThanOrEqual(2);
    const [a, b] = [built.includes('react') ? 'react' : built[0], built.includes('vue') ? 'vue' : built[1]];
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const tag = (fw: string, who: string) => `<mikro-component id="${fw}" name="tpl-${fw}" parameters='{"name":"${who}"}'></mikro-component>`;
      await page.goto(pages.page(tag(a, 'Ann') + tag(b, 'Bo'), `<script type="module" src="${registry.url}/r/client.js"></script>`));
      await page.waitForSelector(`#${a}[state=mounted] [data-testid=greeting]`);
      await page.waitForSelector(`#${b}[state=mounted] [data-testid=greeting]`);
      expect(await page.textContent(`#${a} [data-testid=greeting]`)).toMatch(/Ann/);
      expect(await page.textContent(`#${b} [data-testid=greeting]`)).toMatch(/Bo/);
      await page.click(`#${b} [data-testid=like]`);
      await page.waitForFunction((id) => /\d/.test(document.querySelector(`#${id} [data-testid=result]`)?.textContent ?? ''), b);
      expect(await page.textContent(`#${a} [data-testid=result]`)).not.toMatch(/\d/);
    } finally {
      await context.close();
    }
  });
});
