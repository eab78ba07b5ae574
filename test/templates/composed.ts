/**
 * A starter rendered on the server and hydrated, as a page server composing it sees it: the
 * render payload carries the greeting as HTML; the `Accept: text/html` fragment in a static
 * page shows it with JavaScript off; with JavaScript the runtime hydrates it — the same DOM
 * nodes, no render request, no console error or hydration warning — and the like button works.
 */
import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';

interface PageServer {
  page(body: string, head?: string): string;
}

/** Console lines and page errors a hydration must not produce (warnings included: React, Vue and Solid warn there). */
function watch(page: Page) {
  const problems: string[] = [];
  const renders: string[] = [];
  page.on('pageerror', (error) => problems.push(String(error)));
  page.on('console', (message) => ['error', 'warning'].includes(message.type()) && problems.push(`${message.type()}: ${message.text()}`));
  page.on('request', (request) => request.url().includes('/r/component/') && renders.push(request.url()));
  return { problems, renders };
}

export async function checkComposed(browser: Browser, pages: PageServer, registryUrl: string, name: string) {
  const payload = await (await fetch(`${registryUrl}/r/component/${name}/1.0.0?name=Ann`)).json();
  expect(payload.html, JSON.stringify(payload)).toContain('Hello, Ann!');
  const res = await fetch(`${registryUrl}/r/component/${name}/1.0.0?name=Ann`, { headers: { Accept: 'text/html' } });
  expect(res.status).toBe(200);
  const fragment = await res.text();
  expect(fragment).toContain('Hello, Ann!');
  // Kept before the deferred runtime runs, to compare with what is there after hydration.
  const capture = `<script>
    window.before = document.querySelector('[data-testid=greeting]');
    window.mountedEvents = [];
    document.addEventListener('mikr0:mounted', (e) => mountedEvents.push(e.detail));
  </script>`;
  const url = pages.page(`<main>${fragment}</main>${capture}`, `<script type="module" src="${registryUrl}/r/client.js"></script>`);

  const off = await browser.newContext({ javaScriptEnabled: false });
  try {
    const page = await off.newPage();
    await page.goto(url);
    expect(await page.textContent('[data-testid=greeting]')).toContain('Hello, Ann!');
    expect(await page.isVisible('[data-testid=greeting]')).toBe(true);
    await page.waitForFunction(() => (document.querySelector('[data-testid=logo]') as HTMLImageElement | null)?.naturalWidth! > 0);
  } finally {
    await off.close();
  }

  const on = await browser.newContext();
  try {
    const page = await on.newPage();
    const { problems, renders } = watch(page);
    await page.goto(url);
    await page.waitForSelector('mikro-component[state=mounted]');
    expect(await page.evaluate(() => (window as any).mountedEvents)).toEqual([{ name, version: '1.0.0', hydrated: true }]);
    expect(await page.evaluate(() => (window as any).before !== null && (window as any).before === document.querySelector('[data-testid=greeting]'))).toBe(true);
    expect(await page.evaluate(() => (window as any).before.isConnected)).toBe(true);
    await page.click('[data-testid=like]');
    await page.waitForFunction(() => /\d/.test(document.querySelector('[data-testid=result]')?.textContent ?? ''));
    // Hydration warnings may come a moment later (React reports recoverable errors async).
    await page.waitForTimeout(200);
    expect(problems).toEqual([]);
    expect(renders).toEqual([]);
  } finally {
    await on.close();
  }
}
