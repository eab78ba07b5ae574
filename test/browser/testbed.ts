/**
 * What the runtime's browser tests share: a registry with the browser fixtures published, a
 * server for host pages, Chromium, and a fresh context and page per test. `useTestbed()`
 * registers the hooks; the exports are live bindings, so `page`, `registry`… are always the
 * current test's (one module instance per test file: vitest isolates files).
 */
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { startRegistry, type TestRegistry } from '../helpers.js';
import { launchBrowser } from './browser.js';
import { publishComponents } from './components.js';
import { startPageServer } from './page-server.js';

export let registry: TestRegistry;
export let pages: Awaited<ReturnType<typeof startPageServer>>;
export let browser: Browser;
export let context: BrowserContext;
export let page: Page;
/** This test's uncaught page errors, and console messages of the `console` types. */
export let errors: string[];

export interface TestbedOptions {
  /** Console message types that count as errors, logged as `<type>: <text>` (default none). */
  console?: ('error' | 'warning')[];
  /** After each test, `errors` must be empty (default true; false for files that check it per test). */
  noErrors?: boolean;
  /** Listeners of the file's own, on every new page (the one per test, and newPage's). */
  onPage?: (page: Page) => void;
}

let onPage: TestbedOptions['onPage'];
let consoleTypes: string[] = [];

export function useTestbed(options: TestbedOptions = {}): void {
  onPage = options.onPage;
  consoleTypes = options.console ?? [];
  beforeAll(async () => {
    [registry, pages, browser] = await Promise.all([startRegistry(), startPageServer(), launchBrowser()]);
    await publishComponents(registry);
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all([registry?.close(), pages?.close()]);
  });
  beforeEach(() => newPage());
  afterEach(async () => {
    await context.close();
    if (options.noErrors !== false) expect(errors).toEqual([]);
  });
}

/** Replaces this test's page by one in a new context (e.g. `{ javaScriptEnabled: false }`). */
export async function newPage(contextOptions?: BrowserContextOptions): Promise<Page> {
  await context?.close();
  context = await browser.newContext(contextOptions);
  page = await context.newPage();
  errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('console', (message) => {
    if (!consoleTypes.includes(message.type()) || message.location().url.endsWith('/favicon.ico')) return;
    errors.push(`${message.type()}: ${message.text()}`);
  });
  onPage?.(page);
  return page;
}
