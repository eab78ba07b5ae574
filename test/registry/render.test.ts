import { deflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bundle, publish, rawGet, startRegistry, type TestRegistry } from '../helpers.js';

let registry: TestRegistry;
const get = (path: string, headers: Record<string, string> = {}) => fetch(`${registry.url}${path}`, { headers });
const post = (path: string, body: unknown) =>
  fetch(`${registry.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
const put = async (name: string, version: string, server: string | null) => {
  const res = await fetch(`${registry.url}/r/publish/${name}/${version}`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${registry.token}` },
    body: (await bundle(name, version, server)) as Uint8Array<ArrayBuffer>,
  });
  expect(res.status, await res.clone().text()).toBe(201);
};

beforeAll(async () => {
  registry = await startRegistry({ auth: { username: 'admin', password: 'pw' } });
  for (const version of ['1.0.0', '1.2.0', '1.10.0', '2.0.0-beta.1']) expect((await publish(registry, 'hello', { version })).status).toBe(201);
  // 1.10.0 is deprecated: ranges skip it, exact requests still get it.
  const res = await fetch(`${registry.url}/r/components/hello/1.10.0`, {
    method: 'PATCH',
    headers: { Authorization: `Basic ${Buffer.from('admin:pw').toString('base64')}` },
    body: JSON.stringify({ deprecated: 'use 1.2.0' }),
  });
  expect(res.status).toBe(200);
  await put('badge', '0.1.0', null);
  await put('@team/card', '3.0.0', 'module.exports = { loader: ({ parameters }) => ({ scoped: true, parameters }) };');
});
afterAll(() => registry.close());

describe('GET /r/component/:name/:version', () => {
  test.each([
    ['1.0.0', '1.0.0'],
    ['1.10.0', '1.10.0'],
    ['1', '1.2.0'],
    ['1.x', '1.2.0'],
    ['^1.0.0', '1.2.0'],
    ['~1.0.0', '1.0.0'],
    ['', '1.2.0'],
    ['2.0.0-beta.1', '2.0.0-beta.1'],
  ])('version %j resolves to %s', async (range, expected) => {
    const res = await get(`/r/component/hello/${encodeURIComponent(range)}?name=x`);
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.version).toBe(expected);
  });

  test('the payload: name, exact version, src, data, html, css', async () => {
    const res = await get('/r/component/hello/1.x?name=Ann&times=3&loud=true', { 'Accept-Language': 'fr-FR,fr;q=0.9' });
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const body = await res.json();
    expect(body).toEqual({
      name: 'hello',
      version: '1.2.0',
      src: `${registry.url}/r/static/hello/1.2.0/template.js`,
      data: { greeting: 'BONJOUR, ANN!', times: 3, tone: 'warm', lang: 'fr' },
      html: '<p class="hello">BONJOUR, ANN!</p>',
      css: [`${registry.url}/r/static/hello/1.2.0/style.css`],
    });
    const template = await fetch(body.src);
    expect(template.status).toBe(200);
    expect(await template.text()).toMatch(/export function mount/);
  });

  test('compressed parameters (d) reach the loader', async () => {
    const long = 'y'.repeat(3000);
    const d = deflateRawSync(Buffer.from(JSON.stringify({ name: long, times: 2 }))).toString('base64url');
    const body = await (await get(`/r/component/hello/1.0.0?d=${d}`)).json();
    expect(body.data.greeting).toBe(`Hello, ${long}!`);
    expect(body.data.times).toBe(2);
  });

  test('every bad parameter is listed in one 400', async () => {
    const res = await get('/r/component/hello/1.0.0?times=lots&loud=maybe&tone=angry');
    const body = await res.json();
    expect(res.status).toBe(400);
    expect(body.error.code).toBe('VALIDATION_ERROR');
    expect(body.error.details.map((d: any) => d.path)).toEqual(['name', 'times', 'loud', 'tone']);
  });

  test.each([
    ['/r/component/nope/1.0.0', 404, /not found/],
    ['/r/component/hello/9.9.9?name=x', 404, /no version/],
    ['/r/component/hello/3.x?name=x', 404, /no version/],
    ['/r/component/hello/not-a-range!?name=x', 400, /semver range/],
    ['/r/component/hello/1.0.0/extra?name=x', 404, /Render URLs/],
    ['/r/component/hello/%E0%A4%A?name=x', 400, /escape/],
    ['/r/component/', 400, /component name/],
  ])('%s → %i', async (path, status, message) => {
    const res = await get(path);
    const body = await res.json();
    expect(res.status).toBe(status);
    expect(body.error.message).toMatch(message);
  });

  test.each([['/r/component/hello/..?name=x'], ['/r/component/hello/%2e%2e?name=x'], ['/r/component/%2e%2e/1.0.0']])(
    'a dot-dot segment (%s) → 400',
    async (path) => {
      const res = await rawGet(registry.url, path);
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body).error.message).toMatch(/"\.\."/);
    },
  );

  test('a component without server code renders data: null', async () => {
    const body = await (await get('/r/component/badge/0.1.0')).json();
    expect(body).toMatchObject({ name: 'badge', version: '0.1.0', data: null });
  });

  test('scoped names, plain and URL-encoded', async () => {
    for (const path of ['/r/component/@team/card/3?a=1', '/r/component/%40team%2Fcard/3?a=1']) {
      const body = await (await get(path)).json();
      expect(body).toMatchObject({ name: '@team/card', version: '3.0.0', data: { scoped: true, parameters: { a: '1' } } });
      expect(body.src).toBe(`${registry.url}/r/static/@team/card/3.0.0/template.js`);
    }
  });

  test('POST on a render URL → 405 with Allow', async () => {
    const res = await post('/r/component/hello/1.0.0', {});
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
    expect((await res.json()).error.code).toBe('METHOD_NOT_ALLOWED');
  });
});

describe('POST /r/batch', () => {
  test('answers in input order, each with its own status', async () => {
    const res = await post('/r/batch', {
      parameters: { name: 'Shared' },
      components: [
        { name: 'hello', version: '1.0.0' },
        { name: 'hello', version: '1.x', parameters: { name: 'Own', loud: true } },
        { name: 'missing' },
        { name: 'hello', parameters: { times: 'x' } },
        { name: 'badge' },
      ],
    });
    const body = await res.json();
    expect(res.status).toBe(200);
    expect(body.map((r: any) => r.status)).toEqual([200, 200, 404, 400, 200]);
    expect(body[0].response.data.greeting).toBe('Hello, Shared!');
    expect(body[1].response).toMatchObject({ version: '1.2.0', data: { greeting: 'HELLO, OWN!' } });
    expect(body[2].response.error.code).toBe('NOT_FOUND');
    expect(body[3].response.error.details[0].path).toBe('times');
    expect(body[4].response.data).toBeNull();
  });

  test.each([
    ['not JSON', '{nope', /not valid JSON/],
    ['no components', { parameters: {} }, /components/],
    ['a bad item', { components: [{ version: 1 }] }, /Invalid batch/],
    ['too many', { components: Array.from({ length: 101 }, () => ({ name: 'hello' })) }, /at most 100/],
    ['an empty body', '', /empty/],
  ])('%s → 400', async (_label, body, message) => {
    const res = await post('/r/batch', body);
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toMatch(message);
  });
});

describe('POST /r/action/:name/:version', () => {
  test('runs the action with its input', async () => {
    const res = await post('/r/action/hello/1.0.0', { action: 'add', input: { a: 2, b: 40 } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { sum: 42 } });
  });

  test('an action called without input gets undefined, not a 400; headers reach it', async () => {
    const res = await fetch(`${registry.url}/r/action/hello/1.x`, { method: 'POST', headers: { 'User-Agent': 'mikr0-test' }, body: JSON.stringify({ action: 'echo' }) });
    expect(await res.json()).toEqual({ data: { input: null, agent: 'mikr0-test' } });
  });

  test('an unknown action is a 404, never the loader', async () => {
    const res = await post('/r/action/hello/1.0.0', { action: 'loader' });
    expect(res.status).toBe(404);
    expect((await res.json()).error.message).toMatch(/no action "loader"/);
  });

  test('a failing action is a 500 without its stack; the log has the stack', async () => {
    const res = await post('/r/action/hello/1.0.0', { action: 'fail' });
    const body = await res.json();
    expect(res.status).toBe(500);
    expect(body.error.code).toBe('ACTION_ERROR');
    expect(JSON.stringify(body)).not.toMatch(/server\.cjs|\n\s+at /);
    expect(registry.logger.lines.join('\n')).toMatch(/database connection refused[\s\S]*server\.cjs/);
  });

  test.each([
    ['no action name', { input: 1 }, 400],
    ['not an object', [1, 2], 400],
    ['malformed JSON', '{', 400],
  ])('%s → %s', async (_label, body, status) => {
    const res = await post('/r/action/hello/1.0.0', body);
    expect(res.status).toBe(status);
    expect((await res.json()).error.code).toBe('BAD_REQUEST');
  });

  test('an action of an unknown component → 404; GET → 405', async () => {
    expect((await post('/r/action/nope/1.0.0', { action: 'add' })).status).toBe(404);
    const noServer = await post('/r/action/badge/0.1.0', { action: 'add' });
    expect(noServer.status).toBe(404);
    expect((await noServer.json()).error.message).toMatch(/badge@0\.1\.0 has no action "add"/);
    expect((await get('/r/action/hello/1.0.0')).status).toBe(405);
  });

  test('a body over the JSON limit → 413', async () => {
    const res = await post('/r/action/hello/1.0.0', { action: 'add', input: 'x'.repeat(1024 * 1024 + 10) });
    expect(res.status).toBe(413);
    expect((await res.json()).error.code).toBe('PAYLOAD_TOO_LARGE');
  });
});
