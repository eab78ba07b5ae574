/**
 * A page of many components in Chromium: renders asked for in one task go out as one
 * `POST /r/batch` per registry (a lone element still GETs), each element with its own result;
 * and every wait is bounded: a registry that accepts and never answers fails the element with
 * TIMEOUT within its `timeout`, fallback shown.
 */
import net from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { page, pages, registry, useTestbed } from './testbed.js';

let requests: { method: string; url: string }[];
/** Accepts connections and never answers: the registry that hangs. */
let silent: net.Server;
let silentUrl: string;

useTestbed({
  onPage: (page) =>
    page.on('request', (request) => {
      const url = request.url();
      if (url.includes('/r/component/') || url.includes('/r/batch')) requests.push({ method: request.method(), url });
    }),
});
beforeAll(async () => {
  silent = net.createServer(() => {}).listen(0, '127.0.0.1');
  await new Promise((resolve) => silent.once('listening', resolve));
  silentUrl = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
});
afterAll(() => void silent?.close());
beforeEach(() => void (requests = []));

const open = (body: string) => page.goto(pages.page(body, `<script type="module" src="${registry.url}/r/client.js"></script>`));
const greeter = (name: string, attrs = '') => `<mikro-component name="greeter" version="1.x" parameters='{"name":"${name}"}' ${attrs}></mikro-component>`;

describe('batching', () => {
  test('20 elements in the page: one POST /r/batch, every element its own greeting', async () => {
    await open(Array.from({ length: 20 }, (_, i) => greeter(`P${i}`)).join(''));
    await page.waitForFunction(() => document.querySelectorAll('mikro-component[state=mounted]').length === 20);
    expect(requests).toEqual([{ method: 'POST', url: `${registry.url}/r/batch` }]);
    const greetings = await page.$$eval('mikro-component .greeting', (els) => els.map((el) => el.textContent));
    expect(greetings).toEqual(Array.from({ length: 20 }, (_, i) => `Hello, P${i}!`));
  });

  test('elements inserted in one loop share a batch; a lone element later GETs (cacheable)', async () => {
    await open('');
    await page.evaluate(() => {
      for (const name of ['A', 'B', 'C']) {
        const element = document.createElement('mikro-component');
        element.setAttribute('name', 'greeter');
        element.setAttribute('parameters', JSON.stringify({ name }));
        document.body.append(element);
      }
    });
    await page.waitForFunction(() => document.querySelectorAll('mikro-component[state=mounted]').length === 3);
    expect(requests.map((r) => r.method)).toEqual(['POST']);
    await page.evaluate(() => {
      const element = document.createElement('mikro-component');
      element.setAttribute('name', 'greeter');
      element.setAttribute('parameters', '{"name":"D","times":2}');
      document.body.append(element);
    });
    await page.waitForFunction(() => document.querySelectorAll('mikro-component[state=mounted]').length === 4);
    expect(requests[1]).toEqual({ method: 'GET', url: `${registry.url}/r/component/greeter?name=D&times=2` });
    expect(await page.textContent('mikro-component:last-child .greeting')).toBe('Hello, D!!');
  });

  test('one failing element in a batch fails alone, with its own error; the others mount', async () => {
    await open(greeter('Ok1') + greeter('Bad', `id="bad"`).replace('"name":"Bad"', '"name":"Bad","fail":true') + greeter('Ok2'));
    await page.waitForSelector('#bad[state=failed]');
    await page.waitForFunction(() => document.querySelectorAll('mikro-component[state=mounted]').length === 2);
    expect(await page.getAttribute('#bad', 'error')).toBe('LOADER_ERROR');
    // The batch, then the failed element's one retry (a 5xx is retried once, as for a GET).
    expect(requests.map((r) => r.method)).toEqual(['POST', 'GET']);
  });

  test('a stale batched answer is never mounted: the attribute changed while it was on its way', async () => {
    await open(greeter('Slow1', `id="a"`).replace('"name":"Slow1"', '"name":"Slow1","delay":400') + greeter('Other'));
    await page.waitForTimeout(100);
    await page.evaluate(() => document.querySelector('#a')!.setAttribute('parameters', '{"name":"Fresh"}'));
    await page.waitForFunction(() => document.querySelector('#a .greeting')?.textContent === 'Hello, Fresh!');
    await page.waitForTimeout(500);
    expect(await page.textContent('#a .greeting')).toBe('Hello, Fresh!');
    expect(await page.evaluate(() => (window as any).__greeter.mounted.includes('Hello, Slow1!'))).toBe(false);
  });
});

describe('bounded waits', () => {
  test('a registry that never answers: failed state, fallback and mikr0:error TIMEOUT within the timeout', async () => {
    await open(
      `<mikro-component id="one" name="greeter" registry="${silentUrl}" timeout="400"><p slot="fallback" class="later">Later</p></mikro-component>`,
    );
    const started = Date.now();
    const detail = await page.evaluate(
      () => new Promise((resolve) => document.querySelector('#one')!.addEventListener('mikr0:error', (e) => resolve((e as CustomEvent).detail), { once: true })),
    );
    expect(Date.now() - started).toBeLessThan(2000);
    expect(detail).toMatchObject({ code: 'TIMEOUT', message: expect.stringMatching(/did not answer within 400 ms/) });
    expect(await page.getAttribute('#one', 'state')).toBe('failed');
    expect(await page.getAttribute('#one', 'error')).toBe('TIMEOUT');
    expect(await page.textContent('#one .later')).toBe('Later');
  });

  test('the same in a batch: every element of the hanging registry fails at its own timeout', async () => {
    await open(
      `<mikro-component id="fast" name="greeter" registry="${silentUrl}" timeout="300"></mikro-component>` +
        `<mikro-component id="slow" name="greeter" registry="${silentUrl}" timeout="900"></mikro-component>` +
        greeter('Here'),
    );
    await page.waitForSelector('#fast[state=failed]', { timeout: 2000 });
    expect(await page.getAttribute('#slow', 'state')).toBe('loading');
    await page.waitForSelector('#slow[state=failed]', { timeout: 2000 });
    expect(await page.getAttribute('#slow', 'error')).toBe('TIMEOUT');
    await page.waitForSelector('mikro-component[state=mounted] .greeting');
  });

  test('the default is 10 s; an action call is bounded too (getAction timeout)', async () => {
    await open('');
    const result = await page.evaluate(async (registryUrl) => {
      const started = performance.now();
      try {
        await window.mikr0.getAction({ registry: registryUrl, name: 'greeter', version: '1.0.0', action: 'add', input: { a: 1, b: 2 }, timeout: 300 });
        return { ok: true };
      } catch (error: any) {
        return { ok: false, code: error.code, elapsed: performance.now() - started };
      }
    }, silentUrl);
    expect(result).toMatchObject({ ok: false, code: 'TIMEOUT' });
    expect((result as { elapsed: number }).elapsed).toBeLessThan(1500);
  });
});
