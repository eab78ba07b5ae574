/**
 * The playground (CONTRACT §1 use 4) in real Chromium, served by registry-lite at `/`: the
 * list, the form generated from a component's parameters, the render it drives (data, status,
 * snippets), the registry's 400 details next to their fields, and the layout on narrow screens.
 */
import { describe, expect, test } from 'vitest';
import { poll, text, greeting, field, errorFor, renderStatus, loaderData, shot, renderRequests, open, registry, usePlayground } from './page.js';

usePlayground();

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
