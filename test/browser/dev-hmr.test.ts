/**
 * `vite dev` with mikr0() in real Chromium: the project's own page embeds the component from
 * the dev registry; client edits remount it with the same data, server edits re-run the loader,
 * a server syntax error shows Vite's overlay and recovers — all without a page reload.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, expect, test } from 'vitest';
import mikr0 from '../../plugin/index.js';
import { writeProject } from '../plugin/project.js';
import { launchBrowser } from './browser.js';

let dir: string;
let server: ViteDevServer;
let browser: Browser;
let page: Page;

const word = (text: string) => `export const word = () => '${text}';\n`;
const view = (suffix: string) => `export const view = (text: string) => text + '${suffix}';\n`;

beforeAll(async () => {
  dir = await writeProject({
    'package.json': JSON.stringify({ name: 'live-card', version: '0.1.0', type: 'module' }),
    'index.html': `<!doctype html><html><body>
      <mikro-component name="live-card" version="0.1.0" parameters='{"name":"Ann"}'></mikro-component>
      <script type="module" src="/r/client.js"></script></body></html>`,
    'src/word.ts': word('Hello'),
    'src/view.ts': view(''),
    'src/index.ts': `import { createComponent } from 'vite-plugin-mikr0/runtime';
import { word } from './word';
import { view } from './view';
export default createComponent({
  parameters: { name: { type: 'string', mandatory: true } },
  loader: ({ parameters }) => ({ text: word() + ', ' + parameters.name, at: Math.random() }),
  mount(element, data) {
    const w = window as any;
    w.mounts = (w.mounts ?? 0) + 1;
    element.innerHTML = '<p class="text"></p><i class="at"></i>';
    element.querySelector('.text')!.textContent = view(data.text);
    element.querySelector('.at')!.textContent = String(data.at);
  },
  unmount(element) {
    (window as any).unmounts = ((window as any).unmounts ?? 0) + 1;
    element.innerHTML = '';
  },
});
`,
  });
  server = await createServer({ root: dir, configFile: false, logLevel: 'silent', server: { port: 0, host: '127.0.0.1' }, plugins: [mikr0()] });
  await server.listen();
  browser = await launchBrowser();
  page = await browser.newPage();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await fs.rm(dir, { recursive: true, force: true });
});

/** Edits a project file as a person would: not within the file watcher's coalescing window of the last edit. */
async function edit(file: string, content: string) {
  await new Promise((resolve) => setTimeout(resolve, 300));
  await fs.writeFile(path.join(dir, file), content);
}
const text = () => page.textContent('mikro-component .text');
const state = () => page.evaluate(() => ({ marker: (window as any).marker, mounts: (window as any).mounts, unmounts: (window as any).unmounts ?? 0 }));

test('client edits remount with the same data, server edits re-run the loader, a syntax error shows the overlay and recovers', async () => {
  const url = server.resolvedUrls!.local[0];
  await page.goto(url);
  await page.waitForSelector('mikro-component[state=mounted]');
  expect(await text()).toBe('Hello, Ann');
  const at = await page.textContent('.at');
  // Survives only if the page is never reloaded.
  await page.evaluate(() => ((window as any).marker = 'no reload'));

  // Client code: unmount, mount the new module, same loader data.
  await edit('src/view.ts', view(' (edited)'));
  await page.waitForFunction(() => document.querySelector('mikro-component .text')?.textContent === 'Hello, Ann (edited)');
  expect(await state()).toEqual({ marker: 'no reload', mounts: 2, unmounts: 1 });
  expect(await page.textContent('.at')).toBe(at);

  // Server code: the loader runs again, new data, still no reload.
  await edit('src/word.ts', word('Bonjour'));
  await page.waitForFunction(() => document.querySelector('mikro-component .text')?.textContent === 'Bonjour, Ann (edited)');
  expect(await page.textContent('.at')).not.toBe(at);
  expect((await state()).marker).toBe('no reload');

  // A syntax error in server code: Vite's overlay names it; fixing it clears the overlay.
  await edit('src/word.ts', `export const word = () => 'Oops' +;\n`);
  await page.waitForSelector('vite-error-overlay', { state: 'attached' });
  const overlay = await page.$eval('vite-error-overlay', (el) => el.shadowRoot!.textContent);
  expect(overlay).toMatch(/word\.ts/);
  await edit('src/word.ts', word('Hallo'));
  await page.waitForFunction(() => document.querySelector('mikro-component .text')?.textContent === 'Hallo, Ann (edited)');
  await page.waitForSelector('vite-error-overlay', { state: 'detached' });
  expect((await state()).marker).toBe('no reload');
});
