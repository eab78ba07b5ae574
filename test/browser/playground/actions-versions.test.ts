/**
 * The playground in real Chromium: the action console, the version picker and a URL that
 * reproduces the whole view, and the component `vite dev` announces.
 */
import { describe, expect, test } from 'vitest';
import { poll, text, greeting, field, shot, renderRequests, newPage, open, registry, usePlayground, loaderData } from './page.js';

usePlayground();

describe('playground', () => {
  test('the action console runs an action, shows its error, and refuses invalid JSON without a request', async () => {
    const page = await open('?component=hello');
    await poll(() => greeting(page)).toBe('Hello, World!');
    expect(await page.locator('#action-name option').allTextContents()).toEqual(['add', 'echo', 'fail']);
    // Until typed in, the input is the component's data (a starter's like takes its count).
    await poll(async () => JSON.parse(await page.locator('#action-input').inputValue())).toEqual(JSON.parse((await loaderData(page))!));
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
});
