/**
 * Shared framework packages in Chromium (plugin/share.ts, runtime/client/share.ts): React
 * components from separate bundles — and from separate registries — load React once and each
 * stays interactive (state, reducer, effects, context); one whose package.json asks for React 18
 * cannot take the page's React 19, gets its own copy and still works; a template.js imported by
 * hand, without the runtime, still finds React.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { startRegistry, type TestRegistry } from '../helpers.js';
import { publishOnly } from './components.js';
import { page, pages, registry, useTestbed } from './testbed.js';

let other: TestRegistry;
/** Requests for a component's own copy of React (the chunk it loads when the page has none that fits). */
let reactChunks: string[];

useTestbed({ onPage: (page) => page.on('request', (request) => /share_own_react-[\w-]+\.js$/.test(request.url()) && reactChunks.push(request.url())) });
beforeAll(async () => {
  other = await startRegistry();
  await publishOnly(other, ['react-b@1.0.0']);
});
afterAll(() => other?.close());
beforeEach(() => void (reactChunks = []));

const component = (name: string, attrs = '') => `<mikro-component id="${name}" name="${name}" version="1.x" ${attrs}></mikro-component>`;
async function open(body: string) {
  await page.goto(pages.page(body, `<script type="module" src="${registry.url}/r/client.js"></script>`));
}
const text = (id: string) => page.textContent(`#${id} .count`);
/** Clicks the component's counter twice and waits for React to render the count. */
async function clickTwice(id: string, expected: string) {
  await page.click(`#${id} .count`);
  await page.click(`#${id} .count`);
  await page.waitForFunction(([selector, value]) => document.querySelector(selector)?.textContent === value, [`#${id} .count`, expected] as const);
}
/** How many distinct Reacts the mounted components used (by the identity of useState). */
const reacts = () => page.evaluate(() => new Set(((window as any).__reacts as { useState: unknown }[]).map((r) => r.useState)).size);

describe('shared framework packages', () => {
  test('two React components from two bundles, loading at once: React is fetched once; state, effects and context work in each', async () => {
    await open(component('react-a') + component('react-b'));
    await page.waitForSelector('#react-a[state=mounted] .count');
    await page.waitForSelector('#react-b[state=mounted] .count');
    expect(await text('react-a')).toBe('A/a: 0');
    expect(await text('react-b')).toBe('B/b: 0');
    await clickTwice('react-a', 'A/a: 2');
    await clickTwice('react-b', 'B/b: 2');
    // useEffect ran after each render with a new count (0, 1, 2).
    await page.waitForFunction(() => document.querySelector('#react-b .effects')?.textContent === '3');
    expect(reactChunks).toHaveLength(1);
    expect(await reacts()).toBe(1);
  });

  test('from two registries, one after the other: the second reuses the React the first brought', async () => {
    await open(component('react-a'));
    await page.waitForSelector('#react-a[state=mounted] .count');
    await page.evaluate((html) => document.body.insertAdjacentHTML('beforeend', html), component('react-b', `registry="${other.url}"`));
    await page.waitForSelector('#react-b[state=mounted] .count');
    await clickTwice('react-b', 'B/b: 2');
    await clickTwice('react-a', 'A/a: 2');
    expect(reactChunks).toHaveLength(1);
    expect(reactChunks[0]).toContain(`${registry.url}/r/static/react-a/`);
    expect(await reacts()).toBe(1);
    expect(await page.evaluate(() => typeof window.mikr0.share === 'function' && window.mikr0.share === (globalThis as any).mikr0Share)).toBe(true);
  });

  test('a component that needs another React major gets its own copy; both work', async () => {
    // One after the other: react-old's copy is the installed React 19 under a React 18 range (no
    // React 18 is installed), so were it provided first, react-a would rightly take it.
    await open(component('react-a'));
    await page.waitForSelector('#react-a[state=mounted] .count');
    await page.evaluate((html) => document.body.insertAdjacentHTML('beforeend', html), component('react-old'));
    await page.waitForSelector('#react-old[state=mounted] .count');
    await clickTwice('react-a', 'A/a: 2');
    // react-b's code, built as react-old with a React 18 range.
    await clickTwice('react-old', 'B/b: 2');
    expect(reactChunks).toHaveLength(2);
    expect(reactChunks.some((url) => url.includes('/react-a/')) && reactChunks.some((url) => url.includes('/react-old/'))).toBe(true);
    expect(await reacts()).toBe(2);
    // A third component that fits React 19 takes the page's 19, not the 18-range copy.
    await page.evaluate((html) => document.body.insertAdjacentHTML('beforeend', html), component('react-b'));
    await page.waitForSelector('#react-b[state=mounted] .count');
    await clickTwice('react-b', 'B/b: 2');
    expect(reactChunks).toHaveLength(2);
    expect(await reacts()).toBe(2);
  });

  test('four at once (two of each component): one React', async () => {
    const body = ['react-a', 'react-b', 'react-a', 'react-b'].map((name, i) => `<mikro-component id="c${i}" name="${name}"></mikro-component>`).join('');
    await open(body);
    for (let i = 0; i < 4; i++) await page.waitForSelector(`#c${i}[state=mounted] .count`);
    expect(reactChunks).toHaveLength(1);
    expect(await reacts()).toBe(1);
  });

  test('template.js imported by hand, with no runtime on the page, still gets React and works', async () => {
    // A module script of the page's own (a function given to page.evaluate would be rewritten by Vitest).
    const src = `${registry.url}/r/static/react-a/1.0.0/template.js`;
    const script = `const { default: component } = await import(${JSON.stringify(src)});
      await component.mount(document.getElementById('host'), { label: 'hand' }, { baseUrl: '', name: 'react-a', version: '1.0.0' });`;
    await page.goto(pages.page(`<div id="host"></div><script type="module">${script}</script>`));
    await page.waitForSelector('#host .count');
    await page.click('#host .count');
    await page.waitForFunction(() => document.querySelector('#host .count')?.textContent === 'A/hand: 1');
    expect(await page.evaluate(() => typeof (globalThis as any).mikr0Share)).toBe('function');
    expect(reactChunks).toHaveLength(1);
  });
});
