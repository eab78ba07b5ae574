/**
 * The playground (CONTRACT §1 use 4) in real Chromium, served by a real registry-lite at `/`:
 * pick a component, edit its generated form, watch it render, read errors where they belong,
 * run actions, reload from the URL. Needs `npm run build` (dist/playground, dist/client.js).
 */
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openPage, screenshot } from './browser.js';
import { publishComponents } from './components.js';
import { bundle, fixtures, packFixture, publish, startRegistry, type TestRegistry } from '../helpers.js';

let browser: Browser;
let registry: TestRegistry;

beforeAll(async () => {
  [browser, registry] = await Promise.all([launchBrowser(), startRegistry({ auth: { username: 'admin', password: 'secret' } })]);
  // hello (test/fixtures/hello): name (mandatory, example "World"), times, loud, tone (enum); actions add/echo/fail,
  // which only 2.0.0 lists in its manifest (1.0.0 gets the console's free-text action name).
  const pkg = JSON.parse(await fs.readFile(path.join(fixtures, 'hello', 'package.json'), 'utf8'));
  const v2 = { version: '2.0.0', description: 'Greets someone, now in version two', mikr0: { ...pkg.mikr0, actions: ['add', 'echo', 'fail'] } };
  const published = [
    await publish(registry, 'hello', { version: '1.0.0' }),
    await publish(registry, 'hello', { body: await packFixture('hello', v2), version: '2.0.0' }),
    await publish(registry, 'no-server'),
  ];
  expect(published.map((response) => response.status)).toEqual([201, 201, 201]);
  const deprecated = await fetch(`${registry.url}/r/components/hello/1.0.0`, {
    method: 'PATCH',
    headers: { Authorization: `Basic ${btoa('admin:secret')}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ deprecated: 'use 2.x' }),
  });
  expect(deprecated.status).toBe(200);
});

afterAll(async () => {
  await Promise.all([browser?.close(), registry?.close()]);
});

const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 5000, interval: 50 });
const text = (page: Page, selector: string) => page.locator(selector).textContent({ timeout: 500 });
const greeting = (page: Page) => text(page, 'mikro-component .hello');
const field = (page: Page, key: string) => page.locator(`[data-field="${key}"] :is(input, select)`);
const errorFor = (page: Page, key: string) => page.locator(`[data-error-for="${key}"]`);
const renderStatus = (page: Page) => text(page, '[data-render-status]');
const loaderData = (page: Page) => text(page, '[data-loader-data]');
/** Screenshots from the top: a full-page capture of a scrolled page shifts the sticky sidebar. */
const shot = async (page: Page, name: string) => {
  await page.evaluate(() => scrollTo(0, 0));
  await screenshot(page, name);
};
const renderRequests = (page: Page) => {
  const urls: string[] = [];
  page.on('request', (request) => void (request.url().includes('/r/component/') && urls.push(request.url())));
  return urls;
};

const pages: Page[] = [];
afterEach(async () => {
  // A failed test leaves its page open; close it so it cannot stall the next one.
  await Promise.all(pages.splice(0).map((page) => page.close().catch(() => {})));
});

/** A fresh page, closed after the test, that gives up on a missing element after 5 s, not 30. */
async function newPage() {
  const page = await openPage(browser);
  page.setDefaultTimeout(5000);
  pages.push(page);
  return page;
}

/** A fresh page on the playground, with `search` as its query string; waits for the list. */
async function open(search = '', { width = 1280, height = 800 } = {}) {
  const page = await newPage();
  await page.setViewportSize({ width, height });
  await page.goto(`${registry.url}/${search}`);
  await page.locator('#sidebar .list-status').filter({ hasText: /component/ }).waitFor();
  return page;
}

describe('playground', () => {
  test('lists the components; picking one shows its form, renders it with its example, with data, status, time and snippets', async () => {
    const page = await open();
    expect(await page.locator('.component-item .item-name').allTextContents()).toEqual(['hello', 'static-badge']);
    expect(await text(page, '[data-component="hello"]')).toContain('2.0.0');
    expect(await text(page, '.welcome h1')).toBe('Pick a component');

    await page.locator('[data-component="hello"]').click();
    await poll(() => greeting(page)).toBe('Hello, World!');
    await poll(() => page.locator('mikro-component').getAttribute('state')).toBe('mounted');
    expect(await text(page, '.component-name')).toBe('hello');
    expect(await page.locator('#version').inputValue()).toBe('2.0.0');
    expect(await page.locator('[data-component="hello"]').getAttribute('aria-current')).toBe('true');
    // The generated form: example prefilled, mandatory marked and required, default as placeholder, enum as select, help text.
    expect(await field(page, 'name').inputValue()).toBe('World');
    expect(await field(page, 'name').getAttribute('required')).toBe('');
    expect(await text(page, '[data-field="name"] .required')).toBe('*');
    expect(await field(page, 'times').getAttribute('placeholder')).toBe('default: 1');
    expect(await field(page, 'times').getAttribute('type')).toBe('number');
    expect(await page.locator('[data-field="tone"] select option').allTextContents()).toEqual(['default (warm)', 'warm', 'formal']);
    expect(await field(page, 'loud').getAttribute('type')).toBe('checkbox');
    expect(await text(page, '[data-field="name"] .help')).toBe('Who to greet');
    // Sizes, data, status and time.
    expect(await text(page, '.sizes')).toMatch(/client\s*[\d.]+ (B|kB) gz/);
    await poll(() => loaderData(page)).toContain('"greeting": "Hello, World!"');
    await poll(() => renderStatus(page)).toMatch(/^200\d+ ms$/);
    // Snippets and the URL.
    const root = registry.url;
    expect(await page.locator('.snippet').first().textContent()).toBe(
      `<script type="module" src="${root}/r/client.js"></script>\n<mikro-component name="hello" version="2.0.0"\n  registry="${root}"\n  parameters='{"name":"World"}'></mikro-component>`,
    );
    expect(await page.locator('.snippet').nth(1).textContent()).toBe(`curl '${root}/r/component/hello/2.0.0?name=World'`);
    expect(new URL(page.url()).search).toBe('?component=hello&version=2.0.0&p.name=World');
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: root });
    await page.getByRole('button', { name: 'Copy the curl command' }).click();
    await poll(() => text(page, '.snippet-block:has([aria-label="Copy the curl command"]) .copy-feedback')).toBe('Copied');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`curl '${root}/r/component/hello/2.0.0?name=World'`);
    // No clipboard (an http page on another host): the snippet is selected for Ctrl+C instead.
    await page.evaluate(() => Object.defineProperty(navigator, 'clipboard', { value: undefined }));
    await page.getByRole('button', { name: 'Copy the HTML' }).click();
    await poll(() => text(page, '.snippet-block:has([aria-label="Copy the HTML"]) .copy-feedback')).toBe('Selected: press Ctrl+C');
    expect(await page.evaluate(() => getSelection()?.toString())).toBe(await page.locator('.snippet').first().textContent());

    await page.emulateMedia({ colorScheme: 'light' });
    await shot(page, 'playground-desktop-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot(page, 'playground-desktop-dark');
    expect(page.errors).toEqual([]);
  });

  test('editing parameters re-renders (debounced); a cleared mandatory field blocks the render and says why', async () => {
    const page = await open('?component=hello');
    await poll(() => greeting(page)).toBe('Hello, World!');
    await poll(() => renderStatus(page)).toMatch(/^200/);
    const requests = renderRequests(page);

    await field(page, 'name').fill('Ada');
    await field(page, 'tone').selectOption('formal');
    await field(page, 'times').fill('3');
    await field(page, 'loud').check();
    await poll(() => greeting(page)).toBe('HELLO, ADA!');
    await poll(() => loaderData(page)).toContain('"times": 3');
    expect(JSON.parse((await loaderData(page))!)).toMatchObject({ greeting: 'HELLO, ADA!', times: 3, tone: 'formal' });
    // Four quick edits, fewer requests (one, unless the machine is slower than the 300 ms debounce).
    expect(requests.length).toBeGreaterThanOrEqual(1);
    expect(requests.length).toBeLessThan(4);
    expect(Object.fromEntries(new URL(requests.at(-1)!).searchParams)).toEqual({ name: 'Ada', tone: 'formal', times: '3', loud: 'true' });

    requests.length = 0;
    await field(page, 'name').fill('');
    await poll(() => errorFor(page, 'name').textContent()).toContain('Required');
    expect(await errorFor(page, 'name').isVisible()).toBe(true);
    expect(await text(page, '[data-blocked]')).toBe('Not rendered: name is mandatory.');
    expect(await field(page, 'name').getAttribute('aria-invalid')).toBe('true');
    await page.waitForTimeout(500);
    expect(requests).toEqual([]);
    expect(await page.locator('mikro-component').count()).toBe(0);

    await field(page, 'name').fill('Grace');
    await poll(() => greeting(page)).toBe('HELLO, GRACE!');
    expect(await errorFor(page, 'name').isVisible()).toBe(false);
    expect(page.errors).toEqual([]);
  });

  test("the registry's 400 details show next to their fields, and the failed state in the preview", async () => {
    const page = await open('?component=hello&version=1.0.0&p.times=abc&p.tone=shouty');
    await poll(() => errorFor(page, 'times').textContent()).toBe('"times" must be a number, got "abc"');
    expect(await errorFor(page, 'tone').textContent()).toBe('"tone" must be one of "warm", "formal", got "shouty"');
    expect(await errorFor(page, 'name').isVisible()).toBe(false);
    expect(await field(page, 'times').inputValue()).toBe('abc');
    expect(await field(page, 'times').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('mikro-component').getAttribute('state')).toBe('failed');
    expect(await renderStatus(page)).toBe('400VALIDATION_ERROR');
    expect(await page.locator('[data-render-error]').isVisible()).toBe(true);
    expect(await text(page, '[data-render-error]')).toContain('Invalid parameters: times, tone');
    expect(await loaderData(page)).toBe('—');
    await shot(page, 'playground-400');

    await field(page, 'times').fill('2');
    await field(page, 'tone').selectOption('warm');
    await poll(() => greeting(page)).toBe('Hello, World!');
    await poll(() => renderStatus(page)).toMatch(/^200/);
    expect(await errorFor(page, 'times').isVisible()).toBe(false);
    expect(await errorFor(page, 'tone').isVisible()).toBe(false);
    expect(await page.locator('[data-render-error]').isVisible()).toBe(false);
    expect(page.errors).toEqual([]);
  });

  test('the action console runs an action, shows its error, and refuses invalid JSON without a request', async () => {
    const page = await open('?component=hello');
    await poll(() => greeting(page)).toBe('Hello, World!');
    expect(await page.locator('#action-name option').allTextContents()).toEqual(['add', 'echo', 'fail']);
    const posts: string[] = [];
    page.on('request', (request) => void (request.method() === 'POST' && posts.push(request.url())));

    await page.locator('#action-input').fill('{"a": 2, "b": 40}');
    await page.getByRole('button', { name: 'Run' }).click();
    await poll(() => page.locator('[data-action-result]').getAttribute('data-state')).toBe('ok');
    expect(JSON.parse((await text(page, '[data-action-result] pre'))!)).toEqual({ sum: 42 });

    // 1.0.0 lists no actions: the name is free text.
    await page.locator('#version').selectOption('1.0.0');
    await poll(() => page.locator('#action-name').getAttribute('type')).toBe('text');
    expect(await text(page, '.actions-panel .empty')).toContain('no actions');
    await page.locator('#action-name').fill('fail');
    await page.getByRole('button', { name: 'Run' }).click();
    await poll(() => page.locator('[data-action-result]').getAttribute('data-state')).toBe('error');
    expect(await text(page, '[data-action-result] [data-error-code]')).toMatch(/^[A-Z_]+$/);
    expect(await text(page, '[data-action-result]')).toContain('HTTP 500');
    expect(await text(page, '[data-action-result] .error-message')).toMatch(/\bfail/);
    expect(posts.map((url) => new URL(url).pathname)).toEqual(['/r/action/hello/2.0.0', '/r/action/hello/1.0.0']);

    await page.locator('#action-input').fill('{"a": ');
    await page.locator('#action-input').press('Control+Enter');
    await poll(() => text(page, '[data-input-error]')).toContain('Not valid JSON');
    await page.waitForTimeout(200);
    expect(posts).toHaveLength(2);
    await shot(page, 'playground-actions');
    expect(page.errors).toEqual([]);
  });

  test('the version picker switches versions; the URL reproduces the whole view on reload', async () => {
    const page = await open('?component=hello');
    await poll(() => greeting(page)).toBe('Hello, World!');
    expect(await page.locator('#version option').allTextContents()).toEqual(['2.0.0 — latest', '1.0.0 — deprecated: use 2.x']);
    expect(await text(page, '.component-description')).toBe('Greets someone, now in version two');
    const requests = renderRequests(page);
    await page.locator('#version').selectOption('1.0.0');
    await poll(() => page.locator('mikro-component').getAttribute('version')).toBe('1.0.0');
    expect(await text(page, '.component-description')).toBe('Greets someone, in their language');
    expect(await text(page, '.notice.warning')).toBe('1.0.0 is deprecated: use 2.x');
    await field(page, 'name').fill('Lin & Co');
    await field(page, 'loud').check();
    await field(page, 'tone').selectOption('formal');
    await poll(() => greeting(page)).toBe('HELLO, LIN & CO!');
    expect(requests.every((url) => url.includes('/r/component/hello/1.0.0?'))).toBe(true);
    const url = page.url();
    expect(Object.fromEntries(new URL(url).searchParams)).toEqual({ component: 'hello', version: '1.0.0', 'p.name': 'Lin & Co', 'p.loud': 'true', 'p.tone': 'formal' });

    const again = await open(new URL(url).search);
    await poll(() => greeting(again)).toBe('HELLO, LIN & CO!');
    expect(await text(again, '.component-name')).toBe('hello');
    expect(await again.locator('#version').inputValue()).toBe('1.0.0');
    expect(await field(again, 'name').inputValue()).toBe('Lin & Co');
    expect(await field(again, 'tone').inputValue()).toBe('formal');
    expect(await field(again, 'loud').isChecked()).toBe(true);
    expect(again.url()).toBe(url);
    expect(again.errors).toEqual([]);
  });

  test('search filters the list', async () => {
    const page = await open();
    await page.locator('.search').fill('badge');
    await poll(() => page.locator('.component-item .item-name').allTextContents()).toEqual(['static-badge']);
    expect(await text(page, '.list-status')).toBe('1 component matching “badge”');
    await page.locator('.search').fill('nothing-like-this');
    await poll(() => text(page, '.list-status')).toBe('No components match “nothing-like-this”.');
    expect(await page.locator('.component-item').count()).toBe(0);
    await page.locator('.search').fill('');
    await poll(() => page.locator('.component-item').count()).toBe(2);
    expect(page.errors).toEqual([]);
  });

  test('a long list loads a page at a time', async () => {
    const big = await startRegistry();
    try {
      for (let i = 1; i <= 23; i++) {
        const name = `widget-${String(i).padStart(2, '0')}`;
        const response = await publish(big, 'no-server', { name, version: '1.0.0', body: await bundle(name, '1.0.0', null) });
        expect(response.status).toBe(201);
      }
      const page = await newPage();
      await page.goto(`${big.url}/`);
      await poll(() => page.locator('.component-item').count()).toBe(20);
      expect(await text(page, '.load-more')).toBe('Load more (20 of 23)');
      await page.locator('.load-more').click();
      await poll(() => page.locator('.component-item').count()).toBe(23);
      expect(await page.locator('.load-more').isVisible()).toBe(false);
      expect(new Set(await page.locator('.component-item .item-name').allTextContents()).size).toBe(23);
      expect(page.errors).toEqual([]);
    } finally {
      await big.close();
    }
  });

  test('empty states: no parameters, no actions, an empty registry', async () => {
    const page = await open('?component=static-badge');
    await poll(() => text(page, 'mikro-component')).toBe('badge');
    expect(await text(page, '.parameter-form .empty')).toContain('no parameters');
    expect(await text(page, '.actions-panel .empty')).toContain('no actions');
    expect(await page.locator('#action-name').getAttribute('type')).toBe('text');
    expect(page.errors).toEqual([]);

    const empty = await startRegistry();
    try {
      const blank = await newPage();
      await blank.goto(`${empty.url}/`);
      await poll(() => text(blank, '.list-status')).toContain('No components yet.');
      expect(await text(blank, '.welcome h1')).toBe('This registry has no components yet');
      expect(await text(blank, '.welcome pre')).toContain(`npx mikr0 publish --registry ${empty.url}`);
      await shot(blank, 'playground-empty');
      expect(blank.errors).toEqual([]);
    } finally {
      await empty.close();
    }
  });

  test('a component built by the plugin: its manifest lists the actions; a loader failure shows as 500', async () => {
    const built = await startRegistry();
    try {
      await publishComponents(built);
      const page = await newPage();
      await page.goto(`${built.url}/?component=greeter`);
      await poll(() => text(page, 'mikro-component .greeting')).toBe('Hello, World!');
      expect(await page.locator('#action-name option').allTextContents()).toEqual(['add', 'fail']);
      await field(page, 'fail').check();
      await poll(() => page.locator('mikro-component').getAttribute('state')).toBe('failed');
      expect(await renderStatus(page)).toMatch(/^500[A-Z_]+$/);
      expect(await page.locator('[data-render-error]').isVisible()).toBe(true);
      expect(await loaderData(page)).toBe('—');
      expect(page.errors).toEqual([]);
    } finally {
      await built.close();
    }
  });

  test('keyboard: search, move to a component, select it', async () => {
    const page = await open();
    await page.locator('.search').focus();
    await page.keyboard.type('hel');
    await poll(() => page.locator('.component-item').count()).toBe(1);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-component'))).toBe('hello');
    await page.keyboard.press('Enter');
    await poll(() => greeting(page)).toBe('Hello, World!');
    // Every control of the form has a label.
    const unlabelled = await page.locator('#main :is(input, select, textarea)').evaluateAll((controls) =>
      controls.filter((control) => (control as HTMLInputElement).labels?.length === 0).map((control) => control.outerHTML),
    );
    expect(unlabelled).toEqual([]);
    expect(page.errors).toEqual([]);
  });

  test('works under a path prefix (every request the page makes stays under it), with a scoped name', async () => {
    let target = '';
    const proxy = http.createServer((req, res) => {
      if (!req.url!.startsWith('/tools/mikr0/')) return void res.writeHead(404).end('outside the prefix');
      const upstream = http.request(target + req.url!.slice('/tools/mikr0'.length), { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const prefixed = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/tools/mikr0`;
    const behind = await startRegistry({ publicUrl: prefixed });
    target = behind.url;
    try {
      expect((await publish(behind, 'hello', { name: '@acme/hello' })).status).toBe(201);
      const page = await newPage();
      const paths: string[] = [];
      page.on('request', (request) => void paths.push(new URL(request.url()).pathname));
      await page.goto(`${prefixed}/`);
      await page.locator('[data-component="@acme/hello"]').click();
      await poll(() => greeting(page)).toBe('Hello, World!');
      expect(new URL(page.url()).searchParams.get('component')).toBe('@acme/hello');
      // Mounted: the client module came through the prefix too (the server HTML alone shows the text).
      await poll(() => page.locator('mikro-component').getAttribute('state')).toBe('mounted');
      await page.locator('#action-name').fill('add');
      await page.locator('#action-input').fill('{"a": 1, "b": 2}');
      await page.getByRole('button', { name: 'Run' }).click();
      await poll(() => text(page, '[data-action-result] pre')).toBe('{\n  "sum": 3\n}');
      expect(paths.filter((path) => !path.startsWith('/tools/mikr0/'))).toEqual([]);
      expect(paths).toEqual(
        expect.arrayContaining(['/tools/mikr0/r/client.js', '/tools/mikr0/r/components', '/tools/mikr0/r/components/%40acme%2Fhello', '/tools/mikr0/r/component/%40acme%2Fhello/1.0.0']),
      );
      expect(await page.locator('.snippet').nth(1).textContent()).toBe(`curl '${prefixed}/r/component/%40acme%2Fhello/1.0.0?name=World'`);
      expect(page.errors).toEqual([]);
    } finally {
      await behind.close();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  test('vite dev: the announced component is selected by default; a server update refetches its schema', async () => {
    const page = await newPage();
    // What the dev server does to the page: announce the component under development.
    await page.route(`${registry.url}/`, async (route) => {
      const response = await route.fetch();
      const meta = `<meta name="mikr0-dev-component" content='{"name":"hello","version":"1.0.0"}'>`;
      await route.fulfill({ response, body: (await response.text()).replace('<head>', `<head>${meta}`) });
    });
    const details: string[] = [];
    page.on('request', (request) => void (request.url().includes('/r/components/') && details.push(request.url())));
    await page.goto(`${registry.url}/`);
    await poll(() => greeting(page)).toBe('Hello, World!');
    expect(await page.locator('#version').inputValue()).toBe('1.0.0');
    await field(page, 'name').fill('Dev');
    await poll(() => greeting(page)).toBe('Hello, Dev!');
    expect(details).toHaveLength(1);

    await page.evaluate(() => dispatchEvent(new CustomEvent('mikr0:server-update', { detail: {} })));
    await poll(() => details.length).toBe(2);
    await poll(() => greeting(page)).toBe('Hello, Dev!');
    expect(await field(page, 'name').inputValue()).toBe('Dev');
    expect(page.errors).toEqual([]);
  });

  test('narrow screens put the list above the content (light and dark)', async () => {
    const page = await open('?component=hello', { width: 390, height: 844 });
    await poll(() => greeting(page)).toBe('Hello, World!');
    const sidebar = (await page.locator('.sidebar').boundingBox())!;
    const main = (await page.locator('#main').boundingBox())!;
    expect(main.y).toBeGreaterThanOrEqual(sidebar.y + sidebar.height - 1);
    // One column: the preview right after the form, before the action console.
    const top = (selector: string) => page.locator(selector).boundingBox().then((box) => box!.y);
    expect(await top('.form-panel')).toBeLessThan(await top('.preview-panel'));
    expect(await top('.preview-panel')).toBeLessThan(await top('.actions-panel'));
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.emulateMedia({ colorScheme: 'light' });
    await shot(page, 'playground-narrow-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot(page, 'playground-narrow-dark');
    expect(page.errors).toEqual([]);
  });
});
