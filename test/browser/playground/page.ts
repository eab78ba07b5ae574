/**
 * What the playground tests share: one Chromium and one registry-lite per test file (hello@1.0.0,
 * deprecated, hello@2.0.0 with its actions listed, and no-server published), fresh pages, and
 * the helpers that read the page. A test file calls usePlayground() once, at its top level.
 * Needs `npm run build`: the registry serves the built playground and client (dist/), also
 * when its code runs from source.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openPage, screenshot } from '../browser.js';
import { fixtures, packFixture, publish, startRegistry, type TestRegistry } from '../../helpers.js';

// Set by the hooks usePlayground() registers (live bindings: read them inside tests).
export let browser: Browser;
export let registry: TestRegistry;
const pages: Page[] = [];

export function usePlayground() {
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

  afterEach(async () => {
    // A failed test leaves its page open; close it so it cannot stall the next one.
    await Promise.all(pages.splice(0).map((page) => page.close().catch(() => {})));
  });
}

export const poll = <T>(fn: () => T | Promise<T>): ReturnType<typeof expect.poll<T>> => expect.poll(fn, { timeout: 5000, interval: 50 });
export const text = (page: Page, selector: string) => page.locator(selector).textContent({ timeout: 500 });
export const greeting = (page: Page) => text(page, 'mikro-component .hello');
export const field = (page: Page, key: string) => page.locator(`[data-field="${key}"] :is(input, select)`);
export const errorFor = (page: Page, key: string) => page.locator(`[data-error-for="${key}"]`);
export const renderStatus = (page: Page) => text(page, '[data-render-status]');
export const loaderData = (page: Page) => text(page, '[data-loader-data]');
/** Screenshots from the top: a full-page capture of a scrolled page shifts the sticky sidebar. */
export const shot = async (page: Page, name: string) => {
  await page.evaluate(() => scrollTo(0, 0));
  await screenshot(page, name);
};
export const renderRequests = (page: Page) => {
  const urls: string[] = [];
  page.on('request', (request) => void (request.url().includes('/r/component/') && urls.push(request.url())));
  return urls;
};

/** A fresh page, closed after the test, that gives up on a missing element after 5 s, not 30. */
export async function newPage() {
  const page = await openPage(browser);
  page.setDefaultTimeout(5000);
  pages.push(page);
  return page;
}

/** A fresh page on the playground, with `search` as its query string; waits for the list. */
export async function open(search = '', { width = 1280, height = 800 } = {}) {
  const page = await newPage();
  await page.setViewportSize({ width, height });
  await page.goto(`${registry.url}/${search}`);
  await page.locator('#sidebar .list-status').filter({ hasText: /component/ }).waitFor();
  return page;
}
