/**
 * The playground in real Chromium: searching the list, paging through a long one, empty states,
 * and the keyboard.
 */
import { describe, expect, test } from 'vitest';
import { bundle, publish, startRegistry } from '../../helpers.js';
import { poll, text, greeting, shot, newPage, open, usePlayground } from './page.js';

usePlayground();

describe('playground', () => {
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
});
