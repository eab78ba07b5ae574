/**
 * Server HTML in Chromium: fragments a page server composed (from the registry's
 * `Accept: text/html` answer or from `renderFragments`) show before any script runs, and the
 * runtime hydrates them — same DOM nodes, no render request; a fetched payload's HTML is
 * hydrated too; a fragment the server could not render is tried again in the browser.
 */
import { beforeEach, describe, expect, test } from 'vitest';
import { renderFragments } from '../../runtime/shared/compose.js';
import { failedFragment } from '../../runtime/shared/fragment.js';
import { newPage, page, pages, errors as problems, registry, useTestbed } from './testbed.js';

let renderRequests: string[];

// Console errors and warnings count (a hydration mismatch is a warning); tests that expect none say so.
useTestbed({
  console: ['error', 'warning'],
  noErrors: false,
  onPage: (page) => page.on('request', (request) => request.url().includes('/r/component/') && renderRequests.push(request.url())),
});
beforeEach(() => void (renderRequests = []));

const fragment = async (path: string) => {
  const res = await fetch(`${registry.url}${path}`, { headers: { Accept: 'text/html' } });
  return { status: res.status, html: await res.text() };
};
/**
 * A page holding `body`, then an inline script that runs while the parser is there (before the
 * deferred runtime module): it keeps the nodes to compare after hydration, and records events.
 */
const composed = (body: string) =>
  pages.page(
    `${body}<script>
      window.before = [...document.querySelectorAll('mikro-component .greeting')];
      window.events = [];
      for (const type of ['mikr0:loaded', 'mikr0:mounted', 'mikr0:error']) document.addEventListener(type, (e) => events.push([type, e.detail]));
    </script>`,
    `<script type="module" src="${registry.url}/r/client.js"></script>`,
  );
const counts = () => page.evaluate(() => (window as any).__ssr as { hydrated: number; mounted: number; unmounted: number });
const events = () => page.evaluate(() => (window as any).events as [string, any][]);

describe('a fragment composed on the server', () => {
  test('shows the component and its styles with JavaScript off', async () => {
    await newPage({ javaScriptEnabled: false });
    const { status, html } = await fragment('/r/component/ssr-card/1.x?name=Ann');
    expect(status).toBe(200);
    await page.goto(composed(html));
    expect(await page.textContent('mikro-component .greeting')).toBe('Hello, Ann!');
    expect(await page.isVisible('mikro-component .greeting')).toBe(true);
    expect(await page.$eval('mikro-component .greeting', (el) => getComputedStyle(el).color)).toBe('rgb(0, 0, 200)');
    // An asset the server HTML names is at the version's static URL (the client names the same).
    expect(await page.getAttribute('mikro-component .photo', 'src')).toMatch(new RegExp(`^${registry.url}/r/static/ssr-card/1\\.0\\.0/assets/photo-[\\w-]+\\.svg$`));
    await page.waitForFunction(() => (document.querySelector('mikro-component .photo') as HTMLImageElement).naturalWidth === 80);
    expect(renderRequests).toEqual([]);
  });

  test('hydrates: the same nodes, hydrate() not mount(), no render request, events work', async () => {
    const { html } = await fragment('/r/component/ssr-card/1.x?name=Ann');
    await page.goto(composed(html));
    await page.waitForSelector('mikro-component[state=mounted]');
    expect(await page.evaluate(() => (window as any).before[0] === document.querySelector('mikro-component .greeting'))).toBe(true);
    expect(await page.evaluate(() => (window as any).before[0].isConnected)).toBe(true);
    expect(await counts()).toEqual({ hydrated: 1, mounted: 0, unmounted: 0 });
    expect(renderRequests).toEqual([]);
    // The payload script is gone; the element holds the component's HTML only.
    expect(await page.$$eval('mikro-component > *', (els) => els.map((el) => el.localName))).toEqual(['div']);
    const [[, loaded], [, mounted]] = (await events()).filter(([type]) => type !== 'mikr0:error');
    expect(loaded).toMatchObject({ name: 'ssr-card', version: '1.0.0', data: { greeting: 'Hello, Ann!' }, inlined: true });
    expect(mounted).toEqual({ name: 'ssr-card', version: '1.0.0', hydrated: true });
    // The fragment's stylesheet is used, not linked a second time.
    expect(await page.$$eval('link[rel=stylesheet]', (links) => links.length)).toBe(1);
    await page.click('mikro-component button');
    await page.waitForFunction(() => document.querySelector('mikro-component .sum')?.textContent === '5');
    expect(problems).toEqual([]);
  });

  test('attributes still work after hydration: a change renders again (server HTML, hydrated)', async () => {
    const { html } = await fragment('/r/component/ssr-card/1.x?name=Ann');
    await page.goto(composed(html));
    await page.waitForSelector('mikro-component[state=mounted]');
    await page.evaluate(() => document.querySelector('mikro-component')!.setAttribute('parameters', '{"name":"Bo"}'));
    await page.waitForFunction(() => document.querySelector('mikro-component .greeting')?.textContent === 'Hello, Bo!');
    await page.waitForSelector('mikro-component[state=mounted]');
    expect(await counts()).toEqual({ hydrated: 2, mounted: 0, unmounted: 1 });
    expect(renderRequests).toHaveLength(1);
    expect(renderRequests[0]).toMatch(/\/r\/component\/ssr-card\/1\.x\?name=Bo$/);
    expect(problems).toEqual([]);
  });

  test('a component without render() is mounted from the inlined data, without a request', async () => {
    const { html } = await fragment('/r/component/greeter/1.x?name=Cy');
    expect(html).not.toContain('class="greeting"');
    await page.goto(composed(html));
    await page.waitForSelector('mikro-component[state=mounted] .greeting');
    expect(await page.textContent('mikro-component .greeting')).toBe('Hello, Cy!');
    expect(renderRequests).toEqual([]);
    expect((await events()).find(([type]) => type === 'mikr0:mounted')![1]).toMatchObject({ hydrated: false });
    expect(problems).toEqual([]);
  });

  test('many fragments from renderFragments (one batch on the server): all hydrate, none fetched again', async () => {
    const fragments = await renderFragments({
      registry: registry.url,
      components: [
        { name: 'ssr-card', parameters: { name: 'One' } },
        { name: 'ssr-card', version: '1.0.0', parameters: { name: 'Two' } },
        { name: 'greeter', version: '2.x', parameters: { name: 'Three' } },
      ],
    });
    expect(fragments.map((f) => f.status)).toEqual([200, 200, 200]);
    await page.goto(composed(fragments.map((f) => f.html).join('\n')));
    await page.waitForFunction(() => document.querySelectorAll('mikro-component[state=mounted]').length === 3);
    expect(await page.evaluate(() => (window as any).before.every((node: Node, i: number) => node === document.querySelectorAll('mikro-component .greeting')[i]))).toBe(true);
    expect(await page.$$eval('mikro-component .greeting', (els) => els.map((el) => el.textContent))).toEqual(['Hello, One!', 'Hello, Two!', 'Hello, Three!']);
    expect(await counts()).toEqual({ hydrated: 2, mounted: 0, unmounted: 0 });
    expect(renderRequests).toEqual([]);
    expect(problems).toEqual([]);
  });

  test('a failed fragment keeps its fallback on show while the browser tries again', async () => {
    const failed = failedFragment({ name: 'ssr-card', registry: registry.url, parameters: { name: 'Di' } }, { code: 'TIMEOUT', message: 'slow' }, '<p class="fallback">Soon</p>');
    await page.route('**/r/component/**', async (route) => {
      // Hold the browser's attempt a moment: the fallback must still be there meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await route.continue();
    });
    await page.goto(composed(failed));
    await page.waitForSelector('mikro-component[state=loading]');
    expect(await page.textContent('mikro-component .fallback')).toBe('Soon');
    await page.waitForSelector('mikro-component[state=mounted]');
    expect(await page.textContent('mikro-component .greeting')).toBe('Hello, Di!');
    expect(await page.$('mikro-component .fallback')).toBeNull();
    expect(await page.getAttribute('mikro-component', 'error')).toBeNull();
    expect(await counts()).toMatchObject({ hydrated: 1, mounted: 0 });
    expect(renderRequests).toHaveLength(1);
  });

  test('the registry’s failed fragment: the message with JavaScript off; with it, a second failure fires mikr0:error', async () => {
    const { status, html } = await fragment('/r/component/ssr-card/1.x?name=Ed&fail=true');
    expect(status).toBe(500);
    await page.goto(composed(html));
    await page.waitForFunction(() => (window as any).events.some(([type]: [string]) => type === 'mikr0:error'));
    expect(await page.getAttribute('mikro-component', 'state')).toBe('failed');
    expect(await page.getAttribute('mikro-component', 'error')).toBe('LOADER_ERROR');
    expect(await page.textContent('mikro-component [role=alert]')).toMatch(/ssr-card could not be shown: .*asked to fail/);
  });
});

describe('a payload fetched in the browser', () => {
  test('its server HTML is hydrated, not replaced', async () => {
    await page.goto(composed(`<mikro-component name="ssr-card" parameters='{"name":"Flo"}'></mikro-component>`));
    await page.waitForSelector('mikro-component[state=mounted]');
    expect(await page.textContent('mikro-component .greeting')).toBe('Hello, Flo!');
    expect(await counts()).toEqual({ hydrated: 1, mounted: 0, unmounted: 0 });
    expect(renderRequests).toHaveLength(1);
    await page.click('mikro-component button');
    await page.waitForFunction(() => document.querySelector('mikro-component .sum')?.textContent === '5');
    // Removed: unmount leaves it empty, as ever.
    await page.evaluate(() => document.querySelector('mikro-component')!.remove());
    await page.waitForFunction(() => (window as any).__ssr.unmounted === 1);
    expect(problems).toEqual([]);
  });
});
