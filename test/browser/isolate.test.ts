/**
 * `<mikro-component isolate>` in Chromium: the component renders into an open shadow root
 * with its own stylesheet; the page's styles (rules and inherited ones) stay out, its events
 * still reach the page. Without `isolate` nothing changes.
 */
import { expect, test } from 'vitest';
import { page, pages, registry, useTestbed } from './testbed.js';

useTestbed({ console: ['error'] });

/** The page's own styles: on the elements a component has, and inherited ones on body. */
const HOST_STYLE = `<style>body { color: rgb(4, 5, 6); font-style: italic } button, p { color: rgb(1, 2, 3); margin: 7px }</style>`;
const open = (body: string) =>
  page.goto(pages.page(body, `${HOST_STYLE}<script type="module" src="${registry.url}/r/client.js"></script><script>
    window.mounted = []; document.addEventListener('mikr0:mounted', (e) => mounted.push(e.detail));
  </script>`));
const card = (attrs: string) => `<mikro-component name="ssr-card" parameters='{"name":"Iso"}' ${attrs}></mikro-component>`;
const styles = (selector: string) =>
  page.evaluate((sel) => {
    const [host, inner] = sel.split(' >>> ');
    const root = document.querySelector(host)!;
    const el = (root.shadowRoot ?? root).querySelector(inner)!;
    const style = getComputedStyle(el);
    return { color: style.color, margin: style.margin, fontStyle: style.fontStyle };
  }, selector);

test('isolate: the component in a shadow root, its own styles apply, the page’s do not, events reach the page', async () => {
  await open(card('id="iso" isolate') + card('id="plain"'));
  await page.waitForFunction(() => document.querySelectorAll('mikro-component[state=mounted]').length === 2);
  // Rendered into the shadow root; the light DOM stays empty.
  expect(await page.evaluate(() => document.querySelector('#iso')!.shadowRoot!.querySelector('.greeting')!.textContent)).toBe('Hello, Iso!');
  expect(await page.evaluate(() => document.querySelector('#iso')!.childNodes.length)).toBe(0);
  // Its own stylesheet is loaded into the shadow root and applies there.
  expect((await styles('#iso >>> .greeting')).color).toBe('rgb(0, 0, 200)');
  // The page's rules and inherited styles stay out...
  expect(await styles('#iso >>> button')).not.toMatchObject({ color: 'rgb(1, 2, 3)' });
  expect((await styles('#iso >>> button')).margin).not.toBe('7px');
  expect((await styles('#iso >>> .sum')).fontStyle).toBe('normal');
  expect((await styles('#iso >>> .sum')).color).not.toBe('rgb(4, 5, 6)');
  // ...while without isolate nothing changes: the page's button rule reaches the component.
  expect(await styles('#plain >>> button')).toMatchObject({ color: 'rgb(1, 2, 3)', margin: '7px' });
  // Events: the click inside runs the action; mikr0 events reach the document.
  await page.evaluate(() => document.querySelector('#iso')!.shadowRoot!.querySelector('button')!.click());
  await page.waitForFunction(() => document.querySelector('#iso')!.shadowRoot!.querySelector('.sum')!.textContent === '5');
  expect(await page.evaluate(() => (window as any).mounted.length)).toBe(2);
  // Removed: unmounted, the shadow root's container left empty.
  await page.evaluate(() => document.querySelector('#iso')!.remove());
  await page.waitForFunction(() => (window as any).__ssr.unmounted === 1);
});

test('isolate with a composed fragment: the server HTML moves into the shadow root and is hydrated there, same nodes', async () => {
  const res = await fetch(`${registry.url}/r/component/ssr-card/1.x?name=Frag`, { headers: { Accept: 'text/html' } });
  const fragment = (await res.text()).replace('<mikro-component ', '<mikro-component id="frag" isolate ');
  await open(`${fragment}<script>window.before = document.querySelector('#frag .greeting');</script>`);
  await page.waitForSelector('#frag[state=mounted]');
  expect(await page.evaluate(() => (window as any).before === document.querySelector('#frag')!.shadowRoot!.querySelector('.greeting'))).toBe(true);
  expect(await page.evaluate(() => (window as any).__ssr)).toMatchObject({ hydrated: 1, mounted: 0 });
  expect((await styles('#frag >>> .greeting')).color).toBe('rgb(0, 0, 200)');
});
