/**
 * The browser runtime in real Chromium: a registry-lite on one loopback origin, host pages on
 * another, components built by the plugin from test/browser/fixtures.
 */
import { once } from 'node:events';
import net from 'node:net';
import { describe, expect, test } from 'vitest';
// Types only: window.mikr0, as the browser runtime declares it.
import type {} from '../../runtime/client/index.js';
import { context, page, pages, registry, useTestbed } from './testbed.js';

useTestbed();

/** A host page with the runtime from the registry and `body`; waits until the runtime is defined. */
async function open(body: string, script = '') {
  const head = `<script type="module" src="${registry.url}/r/client.js"></script><script>${script}</script>`;
  await page.goto(pages.page(body, head));
  await page.waitForFunction(() => customElements.get('mikro-component') !== undefined);
}
const greeter = (parameters: object, attrs = '') =>
  `<mikro-component name="greeter" version="1.x" parameters='${JSON.stringify(parameters)}' ${attrs}></mikro-component>`;
const mounted = (selector = 'mikro-component') => page.waitForSelector(`${selector}[state=mounted]`);
/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
const log = () => page.evaluate(() => (window as any).__greeter as { mounted: string[]; unmounted: number });

describe('<mikro-component>', () => {
  test('mounts the component with the loader data; headers reach the loader; its CSS applies', async () => {
    await context.setExtraHTTPHeaders({ 'Accept-Language': 'fr-FR' });
    await open(greeter({ name: 'Ann', times: 2 }));
    await mounted();
    expect(await page.textContent('.greeting')).toBe('Bonjour, Ann!!');
    expect(await page.textContent('.version')).toBe('1.0.0');
    expect(await page.$eval('.greeting', (el) => getComputedStyle(el).color)).toBe('rgb(0, 128, 0)');
  });

  test('src (a full render URL) works as in the seed, with the registry taken from it', async () => {
    await open(`<mikro-component src="${registry.url}/r/component/greeter/2.0.0?name=Bo"></mikro-component>`);
    await mounted();
    expect(await page.textContent('.greeting')).toBe('Hello, Bo!');
    expect(await page.textContent('.version')).toBe('2.0.0');
  });

  test('an attribute change unmounts and renders again; a stale response is never mounted', async () => {
    await open(greeter({ name: 'First' }));
    await mounted();
    // A slow render (800 ms loader), then at once a fast one: only the second may mount.
    await page.$eval('mikro-component', (el) => {
      el.setAttribute('parameters', JSON.stringify({ name: 'Slow', delay: 800 }));
      setTimeout(() => el.setAttribute('parameters', JSON.stringify({ name: 'Fast' })), 50);
    });
    await page.waitForFunction(() => document.querySelector('.greeting')?.textContent === 'Hello, Fast!');
    await page.waitForTimeout(1200);
    expect(await page.textContent('.greeting')).toBe('Hello, Fast!');
    const { mounted: texts, unmounted } = await log();
    expect(texts).toEqual(['Hello, First!', 'Hello, Fast!']);
    expect(unmounted).toBe(1);
  });

  test('removal unmounts; a move in the DOM keeps it mounted', async () => {
    await open(`<div id="a">${greeter({ name: 'Mover' })}</div><div id="b"></div>`);
    await mounted();
    await page.evaluate(() => document.getElementById('b')!.append(document.querySelector('mikro-component')!));
    await page.waitForTimeout(100);
    expect(await page.textContent('#b .greeting')).toBe('Hello, Mover!');
    expect(await log()).toEqual({ mounted: ['Hello, Mover!'], unmounted: 0 });

    // Once removed, the element is detached: its own listeners hear the unmount.
    const detail = await page.evaluate(() => {
      const element = document.querySelector('mikro-component')!;
      const heard = new Promise((resolve) => element.addEventListener('mikr0:unmounted', (e) => resolve((e as CustomEvent).detail), { once: true }));
      element.remove();
      return heard;
    });
    expect(detail).toEqual({ name: 'greeter', version: '1.0.0' });
    expect(await page.$('.greeting')).toBeNull();
    expect((await log()).unmounted).toBe(1);
  });

  test('loading="lazy" renders only when scrolled into view', async () => {
    const renders: string[] = [];
    page.on('request', (request) => request.url().includes('/r/component/') && renders.push(request.url()));
    await open(`<div style="height: 3000px">spacer</div>${greeter({ name: 'Lazy' }, 'loading="lazy"')}`);
    await page.waitForTimeout(300);
    expect(renders).toEqual([]);
    expect(await page.getAttribute('mikro-component', 'state')).toBeNull();
    await page.evaluate(() => document.querySelector('mikro-component')!.scrollIntoView());
    await mounted();
    expect(renders).toHaveLength(1);
    expect(await page.textContent('.greeting')).toBe('Hello, Lazy!');
  });

  test('DOM events bubble (loaded, mounted) and the bus carries messages between components', async () => {
    await open(
      `<main>${greeter({ name: 'Eve' })}<mikro-component name="badge" version="1" parameters='{"label":"hi"}'></mikro-component></main>`,
      `window.seen = []; for (const type of ['mikr0:loaded', 'mikr0:mounted']) document.addEventListener(type, (e) => seen.push([type, e.target.getAttribute('name'), e.detail.name, e.bubbles, e.composed]));`,
    );
    await mounted('mikro-component[name=greeter]');
    await mounted('mikro-component[name=badge]');
    const seen: unknown[][] = await page.evaluate(() => (window as any).seen);
    expect(seen).toEqual(
      expect.arrayContaining([
        ['mikr0:loaded', 'greeter', 'greeter', true, true],
        ['mikr0:mounted', 'greeter', 'greeter', true, true],
        ['mikr0:loaded', 'badge', 'badge', true, true],
        ['mikr0:mounted', 'badge', 'badge', true, true],
      ]),
    );
    // The badge listens on window.mikr0.events for what the greeter fires when it mounts.
    await page.evaluate(() => window.mikr0.events.fire('greeter:mounted', { greeting: 'from the page' }));
    expect(await page.getAttribute('mikro-component[name=badge]', 'data-heard')).toBe('from the page');
    const bus = await page.evaluate(() => {
      const got: unknown[] = [];
      const listener = (data: unknown) => got.push(data);
      window.mikr0.events.on('x', listener);
      window.mikr0.events.fire('x', 1);
      window.mikr0.events.off('x', listener);
      window.mikr0.events.fire('x', 2);
      window.mikr0.events.on('y', listener);
      window.mikr0.events.reset();
      window.mikr0.events.fire('y', 3);
      return got;
    });
    expect(bus).toEqual([1]);
  });

  test('actions: serverClient in the component and window.mikr0.getAction round-trip; errors reject with the envelope', async () => {
    await open(greeter({ name: 'Act' }));
    await mounted();
    await page.click('mikro-component button');
    await page.waitForFunction(() => document.querySelector('.sum')?.textContent === '5');
    const result = await page.evaluate(
      ([url]) => window.mikr0.getAction({ registry: url, name: 'greeter', version: '1.0.0', action: 'add', input: { a: 20, b: 22 } }),
      [registry.url],
    );
    expect(result).toEqual({ sum: 42 });
    const failure = await page.evaluate(
      ([url]) =>
        window.mikr0
          .getAction({ registry: url, name: 'greeter', version: '1.0.0', action: 'fail' })
          .catch((error: any) => ({ code: error.code, status: error.status, message: error.message })),
      [registry.url],
    );
    expect(failure).toEqual({ code: 'ACTION_ERROR', status: 500, message: 'Action "fail" of greeter@1.0.0 failed: the action failed on purpose' });
  });

  test('parameters above the compress threshold travel as d=deflate-raw and reach the loader intact', async () => {
    const requests: string[] = [];
    page.on('request', (request) => request.url().includes('/r/component/') && requests.push(request.url()));
    const note = 'é∑ long parameter '.repeat(400);
    await open(greeter({ name: 'Zip', note }, 'compress="200"'));
    await mounted();
    expect(await page.textContent('.note')).toBe(String(note.length));
    const url = new URL(requests[0]);
    expect(url.searchParams.get('d')).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(url.searchParams.has('note')).toBe(false);
    expect(url.href.length).toBeLessThan(note.length / 4);
  });

  test('404 and 500 put the element in a visible failed state and fire the error event; 5xx is retried once, 4xx never', async () => {
    // Render attempts per component: a GET each, or an item of a batch (renders of one task go together).
    const renders = new Map<string, number>();
    const count = (path: string) => renders.set(path, (renders.get(path) ?? 0) + 1);
    page.on('request', (request) => {
      const path = new URL(request.url()).pathname;
      if (path.startsWith('/r/component/')) count(path);
      if (path === '/r/batch') {
        for (const c of JSON.parse(request.postData()!).components) count(`/r/component/${c.name}${c.version ? `/${c.version}` : ''}`);
      }
    });
    await open(
      `<mikro-component id="missing" name="nothing-here" version="1"></mikro-component>
       ${greeter({ name: 'X', fail: true }, 'id="broken"')}
       <mikro-component id="styled" name="nothing-here"><span slot="fallback" class="fallback">Try later</span></mikro-component>`,
      `window.failures = []; document.addEventListener('mikr0:error', (e) => failures.push([e.target.id, e.detail.status, e.detail.code]));`,
    );
    await page.waitForSelector('#missing[state=failed]');
    await page.waitForSelector('#broken[state=failed]');
    await page.waitForSelector('#styled[state=failed]');
    expect(await page.getAttribute('#missing', 'error')).toBe('NOT_FOUND');
    expect(await page.getAttribute('#broken', 'error')).toBe('LOADER_ERROR');
    expect(await page.isVisible('#missing .mikr0-error')).toBe(true);
    expect(await page.textContent('#missing .mikr0-error')).toMatch(/nothing-here could not be shown/);
    expect(await page.textContent('#styled')).toBe('Try later');
    expect(await page.evaluate(() => (window as any).failures)).toEqual(
      expect.arrayContaining([
        ['missing', 404, 'NOT_FOUND'],
        ['broken', 500, 'LOADER_ERROR'],
        ['styled', 404, 'NOT_FOUND'],
      ]),
    );
    expect(renders.get('/r/component/nothing-here/1')).toBe(1);
    expect(renders.get('/r/component/greeter/1.x')).toBe(2);
    // Fixing the attribute recovers the element.
    await page.$eval('#broken', (el) => el.setAttribute('parameters', '{"name":"Fixed"}'));
    await page.waitForSelector('#broken[state=mounted]');
    expect(await page.textContent('#broken')).toMatch(/^Hello, Fixed!/);
    expect(await page.getAttribute('#broken', 'error')).toBeNull();
  });

  test('a registry that cannot be reached: failed state after one retry, error event with status 0', async () => {
    const attempts: string[] = [];
    page.on('requestfailed', (request) => attempts.push(request.url()));
    await open(
      `<mikro-component name="greeter" registry="http://127.0.0.1:${await closedPort()}" parameters='{"name":"N"}'></mikro-component>`,
      `document.addEventListener('mikr0:error', (e) => (window.failure = e.detail));`,
    );
    await page.waitForSelector('mikro-component[state=failed]');
    expect(await page.evaluate(() => (window as any).failure)).toMatchObject({ status: 0, code: 'NETWORK_ERROR' });
    expect(attempts).toHaveLength(2);
  });

  test('server HTML shows at once; the client module takes over from it', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/r/static/badge/**/template.js', async (route) => {
      await held;
      await route.continue();
    });
    await open(`<mikro-component name="badge" parameters='{"label":"ssr"}'></mikro-component>`);
    await page.waitForSelector('mikro-component b.label.ssr');
    expect(await page.getAttribute('mikro-component', 'state')).toBe('loading');
    release();
    await mounted();
    expect(await page.$('mikro-component b.ssr')).toBeNull();
    expect(await page.textContent('mikro-component b.label')).toBe('SSR');
  });

  test('two components and two versions of one on the same page; assets resolve to the registry', async () => {
    await open(
      `${greeter({ name: 'One' }).replace('version="1.x"', 'version="1.0.0" id="v1"')}
       ${greeter({ name: 'Two' }).replace('version="1.x"', 'version="2" id="v2"')}
       <mikro-component id="badge" name="badge"></mikro-component>`,
    );
    await Promise.all([mounted('#v1'), mounted('#v2'), mounted('#badge')]);
    expect(await page.textContent('#v1 .version')).toBe('1.0.0');
    expect(await page.textContent('#v2 .version')).toBe('2.0.0');
    const image = await page.$eval('#badge img', (img) => ({ src: (img as HTMLImageElement).src, width: (img as HTMLImageElement).naturalWidth }));
    expect(image.src.startsWith(`${registry.url}/r/static/badge/1.0.0/`)).toBe(true);
    await page.waitForFunction(() => (document.querySelector('#badge img') as HTMLImageElement).naturalWidth > 0);
  });

  test('a page with 100 components mounts them all', async () => {
    const body = Array.from({ length: 100 }, (_, i) => greeter({ name: `N${i}` })).join('\n');
    await open(body);
    await page.waitForFunction(() => document.querySelectorAll('mikro-component[state=mounted]').length === 100, undefined, { timeout: 20_000 });
    const texts = await page.$$eval('.greeting', (els) => els.map((el) => el.textContent));
    expect(texts).toEqual(Array.from({ length: 100 }, (_, i) => `Hello, N${i}!`));
  });

  test('bad attributes: a clear failed state, no request', async () => {
    await open(`<mikro-component parameters='{"a":1}'></mikro-component><mikro-component id="p" name="greeter" parameters="{oops"></mikro-component>`);
    await page.waitForSelector('#p[state=failed]');
    expect(await page.textContent('#p')).toMatch(/parameters must be a JSON object/);
    expect(await page.textContent('mikro-component:not(#p)')).toMatch(/needs a name attribute/);
  });
});

describe('/r/client.js', () => {
  test('served as a small cached ES module, with CORS for any origin and gzip', async () => {
    const res = await fetch(`${registry.url}/r/client.js`, { headers: { Origin: 'https://shop.example', 'Accept-Encoding': 'gzip' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(Number(res.headers.get('content-length'))).toBeLessThanOrEqual(5 * 1024);
    const etag = res.headers.get('etag')!;
    expect((await fetch(`${registry.url}/r/client.js`, { headers: { 'If-None-Match': etag } })).status).toBe(304);
    // Publish stays out of CORS.
    const preflight = await fetch(`${registry.url}/r/publish/x/1.0.0`, { method: 'OPTIONS', headers: { Origin: 'https://shop.example' } });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });
});
