/**
 * The playground's admin view (issue 15) in real Chromium, against a real registry-lite: sign
 * in with an admin token (kept in sessionStorage only), tokens (create with names, the secret
 * shown once, revoke), deprecate and unpublish a version, the audit log, and the usage chart
 * of the component view. Needs `npm run build` (the registry serves the built playground).
 */
import fs from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createRegistry } from '../../registry-lite/index.js';
import { memoryLogger, publish, tempDir } from '../helpers.js';
import { launchBrowser, openPage, screenshot } from './browser.js';

let browser: Browser;
let registry: ReturnType<typeof createRegistry>;
let dataDir: string;
let url: string;
let publishToken: string;
let adminToken: string;
const pages: Page[] = [];
const RENDERS = 3;

beforeAll(async () => {
  dataDir = await tempDir();
  registry = createRegistry({ dataDir, workers: 1, logger: memoryLogger(), auth: { username: 'admin', password: 's3cret' } });
  [browser, { url }] = await Promise.all([launchBrowser(), registry.listen(0)]);
  publishToken = (await registry.tokens.create(['publish'], 'tests')).token;
  adminToken = (await registry.tokens.create(['admin'], 'ops')).token;
  const published = [await publish({ url, token: publishToken }, 'hello', { version: '1.0.0' }), await publish({ url, token: publishToken }, 'hello', { version: '2.0.0' })];
  expect(published.map((response) => response.status)).toEqual([201, 201]);
  for (let i = 0; i < RENDERS; i++) expect((await fetch(`${url}/r/component/hello/1.0.0?name=Ada`)).status).toBe(200);
});

afterAll(async () => {
  await Promise.all([browser?.close(), registry?.close()]);
  if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
});

afterEach(async () => {
  await Promise.all(pages.splice(0).map((page) => page.close().catch(() => {})));
});

const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 5000, interval: 50 });
const text = (page: Page, selector: string) => page.locator(selector).textContent({ timeout: 2000 });
const versionOf = async (version: string) => {
  const detail = (await (await fetch(`${url}/r/components/hello`)).json()) as { versions: { version: string; deprecated: string | null; renders: number }[] };
  return detail.versions.find((v) => v.version === version)!;
};
const whoami = (credential: string) => fetch(`${url}/r/whoami`, { headers: { Authorization: `Bearer ${credential}` } });

async function open(path: string) {
  const page = await openPage(browser);
  page.setDefaultTimeout(5000);
  pages.push(page);
  await page.setViewportSize({ width: 1280, height: 860 });
  await page.goto(`${url}/${path}`);
  return page;
}

async function signIn(page: Page, credential: string) {
  await page.locator('#admin-credential').fill(credential);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Every token row's label, status and names. */
const tokenRows = (page: Page) =>
  page.locator('tr[data-token-id]').evaluateAll((rows) =>
    rows.map((row) => ({
      label: row.querySelector('.token-label')?.textContent,
      status: row.getAttribute('data-status'),
      names: row.querySelector('[data-names]')?.textContent,
    })),
  );

describe('playground admin view', () => {
  test('the component view charts renders per day for each version; Refresh counts the page’s own render', async () => {
    const page = await open('?component=hello&version=1.0.0');
    const v1 = page.locator('.usage-panel [data-usage-version="1.0.0"]');
    await poll(() => v1.locator('[data-renders]').textContent()).toBe(String(RENDERS));
    expect(await v1.getAttribute('aria-current')).toBe('true');
    expect(await text(page, '.usage-panel [data-usage-version="2.0.0"] [data-renders]')).toBe('0');
    expect(await v1.locator('.usage-totals').textContent()).toMatch(/^3 renders · 0 actions · last rendered /);
    // 30 bars, today's (the last) holds every render.
    const bars = v1.locator('svg.usage-chart rect');
    expect(await bars.count()).toBe(30);
    const today = new Date().toISOString().slice(0, 10);
    expect(await bars.last().getAttribute('data-day')).toBe(today);
    expect(await bars.last().locator('title').textContent()).toBe(`${today}: 3 renders, 0 actions`);
    expect(await bars.first().getAttribute('class')).toBe('usage-bar zero');

    // The preview rendered 1.0.0 once more.
    await poll(() => page.locator('mikro-component').getAttribute('state')).toBe('mounted');
    await poll(async () => {
      await page.locator('.usage-panel').getByRole('button', { name: 'Refresh' }).click();
      return v1.locator('[data-renders]').textContent();
    }).toBe(String(RENDERS + 1));
    await page.evaluate(() => scrollTo(0, 0));
    await screenshot(page, 'playground-usage');
    expect(page.errors).toEqual([]);
  });

  test('signs in with an admin credential only, kept in sessionStorage; lists, creates (secret shown once) and revokes tokens', async () => {
    const page = await open('#/admin');
    await page.locator('#admin-credential').waitFor();
    expect(await page.locator('#admin-link').getAttribute('aria-current')).toBe('page');

    // A wrong token: the registry's own message.
    const wrong = `mikr0_aaaaaaaaaaaa_${'x'.repeat(32)}`;
    const refused = (await (await whoami(wrong)).json()) as { error: { message: string } };
    // (The 401 challenges with Basic: the page's fetch must not open the browser's own sign-in dialog.)
    await signIn(page, wrong);
    await poll(() => page.locator('[data-admin-error]').textContent()).toBe(refused.error.message);
    expect(await page.locator('[data-admin-error]').isVisible()).toBe(true);
    // A valid token without the admin scope.
    await signIn(page, publishToken);
    await poll(() => page.locator('[data-admin-error]').textContent()).toContain('has no admin scope (it has: publish)');
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);

    await signIn(page, adminToken);
    await poll(() => page.locator('[data-signed-in]').textContent()).toContain('Signed in as ops');
    await poll(() => tokenRows(page)).toEqual([
      { label: 'tests', status: 'active', names: 'every name' },
      { label: 'ops', status: 'active', names: 'every name' },
    ]);
    // The credential: in this tab's sessionStorage, nowhere else.
    expect(Object.values(await page.evaluate(() => ({ ...sessionStorage })))).toEqual([adminToken]);
    expect(JSON.stringify(await page.evaluate(() => ({ ...localStorage })))).not.toContain(adminToken);
    expect(page.url()).not.toContain(adminToken);

    // A publish token limited to some names, expiring.
    await page.locator('#token-label').fill('ci-checkout');
    await page.locator('#token-names').fill('@checkout/*, header');
    await page.locator('#token-expires').fill('30d');
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = (await page.locator('[data-secret]').textContent())!;
    expect(secret).toMatch(/^mikr0_[a-z0-9]{12}_[A-Za-z0-9_-]{32}$/);
    expect(await text(page, '[data-new-token] .notice')).toContain('it is shown once');
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: url });
    await page.getByRole('button', { name: 'Copy the token' }).click();
    await poll(() => text(page, '[data-new-token] .copy-feedback')).toBe('Copied');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    await poll(() => tokenRows(page)).toContainEqual({ label: 'ci-checkout', status: 'active', names: '@checkout/*, header' });
    const created = (await (await whoami(secret)).json()) as { actor: string; scopes: string[]; names: string[]; expiresAt: string };
    expect(created).toMatchObject({ actor: 'ci-checkout', scopes: ['publish'], names: ['@checkout/*', 'header'] });
    expect(Date.parse(created.expiresAt) - Date.now()).toBeGreaterThan(29 * 86_400_000);
    await page.evaluate(() => scrollTo(0, 0));
    await screenshot(page, 'admin-tokens');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'admin-tokens-narrow-dark');
    await page.setViewportSize({ width: 1280, height: 860 });

    // A reload keeps the sign-in (sessionStorage); the secret is gone for good.
    await page.reload();
    await poll(() => tokenRows(page)).toHaveLength(3);
    expect(await page.locator('[data-secret]').count()).toBe(0);

    // Revoke, after a confirm.
    const row = page.locator('tr[data-token-id]').filter({ hasText: 'ci-checkout' });
    const dialogs: string[] = [];
    page.once('dialog', (dialog) => void (dialogs.push(dialog.message()), dialog.accept()));
    await row.getByRole('button', { name: 'Revoke ci-checkout' }).click();
    await poll(() => row.getAttribute('data-status')).toBe('revoked');
    expect(dialogs[0]).toContain('Revoke the token “ci-checkout”');
    expect(await row.getByRole('button').count()).toBe(0);
    expect((await whoami(secret)).status).toBe(401);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('#admin-credential').waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    // The admin user, as user:password (Basic).
    await signIn(page, 'admin:s3cret');
    await poll(() => page.locator('[data-signed-in]').textContent()).toContain('Signed in as admin "admin"');
    expect(page.errors).toEqual([]);
  });

  test('deprecates a version; unpublish asks again while pages render it; the audit log shows who did what, a page at a time', async () => {
    const page = await open('#/admin/components');
    await signIn(page, adminToken);
    const component = page.locator('[data-admin-component="hello"]');
    await component.locator('summary').click();
    const v1 = component.locator('[data-admin-version="1.0.0"]');
    await poll(() => v1.locator('[data-version-state]').textContent()).toBe('active');
    const renders = (await versionOf('1.0.0')).renders;
    expect(renders).toBeGreaterThanOrEqual(RENDERS);
    expect(await v1.locator('[data-renders]').textContent()).toBe(String(renders));

    await v1.getByRole('textbox', { name: 'Deprecation message for 1.0.0' }).fill('use 2.x <now>');
    await v1.getByRole('button', { name: 'Deprecate' }).click();
    await poll(() => v1.locator('[data-version-state]').textContent()).toBe('deprecated: use 2.x <now>');
    expect((await versionOf('1.0.0')).deprecated).toBe('use 2.x <now>');

    // Rendered today: the registry refuses, the view offers to insist.
    page.once('dialog', (dialog) => void dialog.accept());
    await v1.getByRole('button', { name: 'Unpublish', exact: true }).click();
    await poll(() => v1.locator('[data-row-message]').textContent()).toContain(`hello@1.0.0 was rendered ${renders} times in the last 24 hours`);
    await screenshot(page, 'admin-components');
    await v1.getByRole('button', { name: 'Unpublish anyway' }).click();
    await poll(() => v1.locator('[data-version-state]').getAttribute('data-version-state')).toBe('unpublished');
    expect((await fetch(`${url}/r/component/hello/1.0.0?name=Ada`)).status).toBe(410);

    // More entries than a page holds: 55 tokens created over HTTP.
    for (let i = 0; i < 55; i++) {
      const response = await fetch(`${url}/r/tokens`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ scopes: ['publish'], label: `bulk-${i}` }),
      });
      expect(response.status).toBe(201);
    }
    await page.getByRole('link', { name: 'Audit log' }).click();
    const rows = page.locator('tr[data-audit-id]');
    await poll(() => rows.count()).toBe(50);
    expect(await rows.first().getAttribute('data-action')).toBe('token.create');
    await page.getByRole('button', { name: 'Load more' }).click();
    await poll(() => rows.count()).toBeGreaterThan(50);
    const ids = await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-audit-id'))));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));

    await page.locator('#audit-action').selectOption('deprecate');
    await page.locator('#audit-name').fill('hello');
    await page.getByRole('button', { name: 'Apply' }).click();
    await poll(() => rows.count()).toBe(1);
    const entry = rows.first();
    expect(await entry.getAttribute('data-action')).toBe('deprecate');
    expect(await entry.locator('[data-actor]').textContent()).toMatch(/^ops/);
    expect(await entry.locator('[data-component]').textContent()).toBe('hello@1.0.0');
    expect(await entry.locator('.audit-detail').textContent()).toBe('use 2.x <now>');

    await page.locator('#audit-action').selectOption('');
    await page.locator('#audit-since').fill('1h');
    await page.getByRole('button', { name: 'Apply' }).click();
    await poll(() => rows.first().getAttribute('data-action')).toBe('unpublish');
    expect(await rows.first().locator('.audit-detail').textContent()).toBe('forced');
    await page.evaluate(() => scrollTo(0, 0));
    await screenshot(page, 'admin-audit');

    // A component in the sidebar leaves the admin view; Back returns to it, still signed in.
    await page.locator('#sidebar [data-component="hello"]').click();
    await poll(() => page.locator('mikro-component').getAttribute('state')).toBe('mounted');
    expect(new URL(page.url()).hash).toBe('');
    expect(await page.locator('#admin-link').getAttribute('aria-current')).toBe(null);
    await page.goBack();
    await poll(() => page.locator('[data-admin-tab="audit"]').count()).toBe(1);
    expect(await page.locator('[data-signed-in]').textContent()).toContain('ops');
    expect(page.errors).toEqual([]);
  });
});
