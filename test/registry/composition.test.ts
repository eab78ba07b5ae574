/**
 * Server-side composition: `Accept: text/html` answers an embeddable fragment (safe against
 * whatever the loader returns), a failure answers the failed-state fragment with its status,
 * server HTML names assets at the version's static URL, a batch bounds each component's wait,
 * and `renderFragments` (vite-plugin-mikr0/server) composes many in one round trip.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { renderFragments } from '../../runtime/shared/compose.js';
import { PAYLOAD_TYPE } from '../../runtime/shared/fragment.js';
import { publish, publishServer, startRegistry, type TestRegistry } from '../helpers.js';

let registry: TestRegistry;
const html = (path: string, headers: Record<string, string> = {}) => fetch(`${registry.url}${path}`, { headers: { Accept: 'text/html', ...headers } });

/** The JSON a fragment carries, read back as the browser runtime reads it. */
function inlinedPayload(fragment: string) {
  const match = new RegExp(`<script type="${PAYLOAD_TYPE.replace('+', '\\+')}">([^]*?)</script>`).exec(fragment);
  expect(match, fragment).not.toBeNull();
  return JSON.parse(match![1]);
}

const HOSTILE = `</script><script>alert(1)</script><!-- "' & \u2028`;

beforeAll(async () => {
  registry = await startRegistry({ timeout: 3000, limits: { maxResultBytes: 1024 * 1024 } });
  await publishServer(
    registry,
    'card',
    `module.exports = {
      loader: ({ parameters }) => ({ who: parameters.who ?? 'World', logo: '/__mikr0_static__/assets/logo.svg' }),
      render: (data) => '<p class="card">Hello, ' + data.who.replace(/[<&]/g, '') + '!</p><img src="/__mikr0_static__/assets/logo.svg">',
    };`,
  );
  await publishServer(registry, 'hostile', `module.exports = { loader: () => ({ text: ${JSON.stringify(HOSTILE)} }), render: () => '<b>safe</b>' };`);
  await publishServer(registry, 'data-only', `module.exports = { loader: () => ({ n: 1 }) };`);
  expect((await publish(registry, 'hello')).status).toBe(201);
  await publishServer(registry, 'broken-render', `module.exports = { loader: () => ({}), render: () => { throw new Error('template exploded'); } };`);
  await publishServer(registry, 'slow', `module.exports = { loader: () => new Promise((r) => setTimeout(() => r({ late: true }), 1500)), render: () => '<i>late</i>' };`);
  await publishServer(registry, 'huge-html', `module.exports = { loader: () => ({}), render: () => 'x'.repeat(2 * 1024 * 1024) };`);
});
afterAll(() => registry.close());

describe('GET /r/component with Accept: text/html', () => {
  test('answers a <mikro-component> holding the server HTML, the payload inlined, its stylesheets first', async () => {
    const res = await html('/r/component/card/1.x?who=Ann');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('vary')).toMatch(/Accept/);
    const fragment = await res.text();
    expect(fragment).toMatch(/^<link rel="modulepreload" href="http:\/\/127\.0\.0\.1:\d+\/r\/static\/card\/1\.0\.0\/template\.js"><mikro-component name="card" version="1.x" registry="http:\/\/127\.0\.0\.1:\d+" parameters="\{&#34;who&#34;:&#34;Ann&#34;\}" state="rendered">/);
    expect(fragment).toContain('<p class="card">Hello, Ann!</p>');
    expect(fragment).toMatch(/<\/script><\/mikro-component>$/);
    const payload = inlinedPayload(fragment);
    expect(payload).toEqual({
      name: 'card',
      version: '1.0.0',
      src: `${registry.url}/r/static/card/1.0.0/template.js`,
      data: { who: 'Ann', logo: `${registry.url}/r/static/card/1.0.0/assets/logo.svg` },
      server: true,
    });
  });

  test('server HTML and data name assets at the version’s static URL, in JSON and in the fragment', async () => {
    const json = await (await fetch(`${registry.url}/r/component/card/1.0.0`)).json();
    expect(json.html).toBe(`<p class="card">Hello, World!</p><img src="${registry.url}/r/static/card/1.0.0/assets/logo.svg">`);
    expect(json.data.logo).toBe(`${registry.url}/r/static/card/1.0.0/assets/logo.svg`);
    expect(await (await html('/r/component/card/1.0.0')).text()).not.toContain('__mikr0_static__');
  });

  test('a render answers Link headers for the client module and its stylesheets (early hints)', async () => {
    for (const accept of ['application/json', 'text/html']) {
      const res = await fetch(`${registry.url}/r/component/card/1.0.0`, { headers: { Accept: accept } });
      expect(res.headers.get('link'), accept).toBe(`<${registry.url}/r/static/card/1.0.0/template.js>; rel=modulepreload`);
    }
    const hello = await fetch(`${registry.url}/r/component/hello/1.0.0?name=Ann`);
    expect(hello.headers.get('link')).toBe(
      `<${registry.url}/r/static/hello/1.0.0/template.js>; rel=modulepreload, <${registry.url}/r/static/hello/1.0.0/style.css>; rel=preload; as=style`,
    );
  });

  test('JSON stays the answer for fetch() and for clients that prefer it', async () => {
    for (const accept of [undefined, '*/*', 'application/json', 'application/json, text/html;q=0.5']) {
      const res = await fetch(`${registry.url}/r/component/card/1.0.0`, { headers: accept ? { Accept: accept } : {} });
      expect(res.headers.get('content-type'), accept).toMatch(/application\/json/);
      expect(res.headers.get('vary')).toMatch(/Accept/);
    }
    // A browser opening the URL: HTML first.
    const res = await fetch(`${registry.url}/r/component/card/1.0.0`, { headers: { Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' } });
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
  });

  test('loader data and parameters cannot end the script or an attribute', async () => {
    const res = await html(`/r/component/hostile/1.0.0?x=${encodeURIComponent('"><img src=x onerror=alert(1)>')}`);
    const fragment = await res.text();
    expect(res.status).toBe(200);
    // One script, closed once, at the end; no markup but the component's own.
    expect(fragment.match(/<\/script/gi)).toHaveLength(1);
    expect(fragment.match(/<script/gi)).toHaveLength(1);
    expect(fragment).not.toContain('<img');
    expect(fragment).not.toContain('<!--');
    expect(fragment).not.toContain('\u2028');
    expect(inlinedPayload(fragment).data).toEqual({ text: HOSTILE });
    const attributes = /<mikro-component([^>]*)>/.exec(fragment)![1];
    expect(attributes).toContain('parameters="{&#34;x&#34;:&#34;\\&#34;&#62;&#60;img src=x onerror=alert(1)&#62;&#34;}"');
  });

  test('a component without render() is inlined too: no server HTML, the runtime mounts it without a request', async () => {
    const fragment = await (await html('/r/component/data-only')).text();
    expect(fragment).toMatch(/^<link rel="modulepreload" href="[^"]+\/template\.js"><mikro-component name="data-only" registry="[^"]+" state="rendered"><script /);
    expect(inlinedPayload(fragment)).toMatchObject({ version: '1.0.0', data: { n: 1 } });
    expect(inlinedPayload(fragment).server).toBeUndefined();
  });

  test.each([
    ['/r/component/nope/1.0.0', 404, 'NOT_FOUND', /Component "nope" not found/],
    ['/r/component/card/9.x', 404, 'NOT_FOUND', /no version matching "9.x"/],
    ['/r/component/broken-render/1.0.0', 500, 'LOADER_ERROR', /broken-render.*template exploded|template exploded.*broken-render/],
    ['/r/component/huge-html/1.0.0', 500, 'LOADER_ERROR', /render\(\) returned 2048 kB of HTML, more than the 1024 kB/],
  ])('%s → %i and the failed-state fragment', async (path, status, code, message) => {
    const res = await html(path);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const fragment = await res.text();
    expect(fragment).toMatch(new RegExp(`^<mikro-component name="[^"]+"[^>]* state="failed" error="${code}"><p class="mikr0-error" role="alert">`));
    expect(fragment.replace(/&#(\d+);/g, (_, code) => String.fromCharCode(Number(code)))).toMatch(message);
    expect(fragment).not.toContain('<script');
    // And as JSON, the envelope as ever: never half a payload.
    const json = await fetch(`${registry.url}${path}`);
    expect(json.status).toBe(status);
    expect((await json.json()).error).toMatchObject({ code, message: expect.stringMatching(message) });
  });

  test('the registry keeps serving after failed fragments', async () => {
    await html('/r/component/broken-render/1.0.0');
    expect((await html('/r/component/card/1.0.0')).status).toBe(200);
  });
});

describe('POST /r/batch with timeouts', () => {
  const batch = (body: unknown) =>
    fetch(`${registry.url}/r/batch`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

  test('a component slower than its timeout is a 504 at the timeout; the others are answered', async () => {
    const started = Date.now();
    const res = await batch({ components: [{ name: 'slow', timeout: 200 }, { name: 'card', parameters: { who: 'Bo' } }] });
    const elapsed = Date.now() - started;
    expect(res.status).toBe(200);
    const [slow, card] = await res.json();
    expect(slow).toEqual({ status: 504, response: { error: { code: 'TIMEOUT', message: expect.stringMatching(/slow did not render within the batch's 200 ms timeout/) } } });
    expect(card.status).toBe(200);
    expect(card.response.html).toContain('Hello, Bo!');
    expect(elapsed).toBeLessThan(1200);
  });

  test('the batch-wide timeout applies to components without their own; a generous one waits', async () => {
    const [a, b] = await (await batch({ timeout: 100, components: [{ name: 'slow' }, { name: 'slow', timeout: 5000 }] })).json();
    expect(a.status).toBe(504);
    expect(b.status).toBe(200);
    expect(b.response.data).toEqual({ late: true });
  });

  test.each([[0], [-5], ['1000'], [60_001], [Number.NaN]])('timeout %j is a 400 naming the field', async (timeout) => {
    const res = await batch({ components: [{ name: 'card', timeout }] });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.details).toEqual([{ path: 'components[0].timeout', message: expect.stringMatching(/milliseconds from 1 to 60000/) }]);
    const whole = await batch({ timeout, components: [{ name: 'card' }] });
    expect(whole.status).toBe(400);
    expect((await whole.json()).error.message).toMatch(/"timeout" must be a number of milliseconds/);
  });
});

describe('renderFragments (vite-plugin-mikr0/server)', () => {
  test('many components in one batch request: rendered, timed out with the page’s fallback, missing', async () => {
    let batches = 0;
    const counting = http.createServer((req, res) => {
      if (req.url === '/r/batch') batches++;
      const upstream = http.request(`${registry.url}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => counting.listen(0, '127.0.0.1', resolve));
    const proxy = `http://127.0.0.1:${(counting.address() as { port: number }).port}`;
    try {
      const started = Date.now();
      const fragments = await renderFragments({
        registry: proxy + '/',
        timeout: 300,
        headers: { 'accept-language': 'fr' },
        components: [
          { name: 'card', version: '1.x', parameters: { who: 'Ann' } },
          { name: 'slow', fallback: '<p class="later">Coming soon</p>' },
          { name: 'nope' },
        ],
      });
      expect(Date.now() - started).toBeLessThan(1200);
      expect(batches).toBe(1);
      const [card, slow, nope] = fragments;
      expect(card).toMatchObject({ name: 'card', version: '1.0.0', status: 200 });
      expect(card.html).toContain(`<mikro-component name="card" version="1.x" registry="${proxy}" parameters="{&#34;who&#34;:&#34;Ann&#34;}" state="rendered">`);
      expect(card.html).toContain('<p class="card">Hello, Ann!</p>');
      expect(inlinedPayload(card.html)).toMatchObject({ version: '1.0.0', data: { who: 'Ann' }, server: true });
      expect(slow).toMatchObject({ status: 504, error: { code: 'TIMEOUT' } });
      expect(slow.html).toBe(`<mikro-component name="slow" registry="${proxy}" state="failed" error="TIMEOUT"><p class="later">Coming soon</p></mikro-component>`);
      expect(nope).toMatchObject({ status: 404, error: { code: 'NOT_FOUND' } });
      expect(nope.html).toMatch(/state="failed" error="NOT_FOUND"><p class="mikr0-error" role="alert">nope could not be shown: Component &#34;nope&#34; not found<\/p>/);
    } finally {
      counting.close();
    }
  });

  test('a registry that accepts and never answers: every fragment fails at the deadline', async () => {
    const silent = http.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
      const started = Date.now();
      const fragments = await renderFragments({ registry: url, timeout: 200, components: [{ name: 'a' }, { name: 'b', timeout: 100 }] });
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(400);
      expect(elapsed).toBeLessThan(1500);
      expect(fragments.map((f) => [f.status, f.error?.code])).toEqual([
        [504, 'TIMEOUT'],
        [504, 'TIMEOUT'],
      ]);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });

  test('an unreachable registry: failed fragments at once, status 0', async () => {
    const fragments = await renderFragments({ registry: 'http://127.0.0.1:9', components: [{ name: 'a', fallback: '<i>x</i>' }] });
    expect(fragments).toEqual([{ name: 'a', status: 0, error: { code: 'NETWORK_ERROR', message: expect.stringMatching(/could not reach/) }, html: expect.stringContaining('<i>x</i>') }]);
    expect(await renderFragments({ registry: 'http://127.0.0.1:9', components: [] })).toEqual([]);
  });
});
