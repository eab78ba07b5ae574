import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { memoryDriver, type StorageDriver } from '../../registry-lite/index.js';
import { bundle, publish, rawGet, startRegistry, type TestRegistry } from '../helpers.js';

let registry: TestRegistry;
const admin = `Basic ${Buffer.from('root:hunter2').toString('base64')}`;
const get = (path: string, headers: Record<string, string> = {}) => fetch(`${registry.url}${path}`, { headers });

beforeAll(async () => {
  registry = await startRegistry({ auth: { username: 'root', password: 'hunter2' } });
  expect((await publish(registry, 'hello')).status).toBe(201);
  expect((await publish(registry, 'hello', { version: '1.1.0' })).status).toBe(201);
  for (let i = 0; i < 25; i++) {
    const name = `widget-${String(i).padStart(2, '0')}`;
    const res = await fetch(`${registry.url}/r/publish/${name}/1.0.0`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${registry.token}` },
      body: (await bundle(name, '1.0.0', null)) as Uint8Array<ArrayBuffer>,
    });
    expect(res.status).toBe(201);
  }
});
afterAll(() => registry.close());

describe('GET /r/static/:name/:version/*', () => {
  test('client files: content type, immutable caching, ETag from the content hash, 304', async () => {
    const res = await get('/r/static/hello/1.0.0/template.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const etag = res.headers.get('etag')!;
    expect(etag).toMatch(/^"sha256-/);
    expect(await res.text()).toMatch(/export function mount/);
    const again = await get('/r/static/hello/1.0.0/template.js', { 'If-None-Match': etag });
    expect(again.status).toBe(304);
    for (const [file, type] of [['style.css', 'text/css; charset=utf-8'], ['logo.svg', 'image/svg+xml']]) {
      const asset = await get(`/r/static/hello/1.0.0/${file}`);
      expect(asset.status).toBe(200);
      expect(asset.headers.get('content-type')).toBe(type);
    }
  });

  test.each([
    ['server code', '/r/static/hello/1.0.0/server.cjs', 404],
    ['package.json', '/r/static/hello/1.0.0/package.json', 404],
    ['a range instead of an exact version', '/r/static/hello/1.x/template.js', 404],
    ['an unknown file', '/r/static/hello/1.0.0/nope.js', 404],
    ['an unknown component', '/r/static/nope/1.0.0/template.js', 404],
    ['a missing file part', '/r/static/hello/1.0.0', 404],
    ['..', '/r/static/hello/1.0.0/../../../registry.db', 400],
    ['%2e%2e', '/r/static/hello/1.0.0/%2e%2e/%2e%2e/registry.db', 400],
    ['%2E%2E mixed', '/r/static/hello/1.0.0/.%2E/server.cjs', 400],
    ['an encoded slash then ..', '/r/static/hello/1.0.0/a%2F..%2F..%2Fserver.cjs', 400],
    ['a backslash', '/r/static/hello/1.0.0/..%5Cserver.cjs', 400],
  ])('%s → %i', async (_label, path, status) => {
    const res = await rawGet(registry.url, path);
    expect(res.status).toBe(status);
    const body = JSON.parse(res.body);
    expect(body.error.code).toBe(status === 404 ? 'NOT_FOUND' : 'BAD_REQUEST');
    expect(res.body).not.toMatch(/loader|module\.exports/);
  });
});

describe('GET /r/components', () => {
  test('pages through every component with latest, description, versions, publishedAt', async () => {
    const first = await (await get('/r/components?per_page=10')).json();
    expect(first).toMatchObject({ total: 26, page: 1, per_page: 10 });
    expect(first.components).toHaveLength(10);
    expect(first.components[0]).toEqual({
      name: 'hello',
      latest: '1.1.0',
      description: 'Greets someone, in their language',
      versions: ['1.1.0', '1.0.0'],
      publishedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    const third = await (await get('/r/components?per_page=10&page=3')).json();
    expect(third.components.map((c: any) => c.name)).toEqual(['widget-19', 'widget-20', 'widget-21', 'widget-22', 'widget-23', 'widget-24']);
    const beyond = await (await get('/r/components?per_page=10&page=9')).json();
    expect(beyond).toMatchObject({ total: 26, components: [] });
  });

  test('searches names and descriptions; LIKE wildcards are literal', async () => {
    expect((await (await get('/r/components?q=greets')).json()).components.map((c: any) => c.name)).toEqual(['hello']);
    expect((await (await get('/r/components?q=widget-1')).json()).total).toBe(10);
    expect((await (await get('/r/components?q=%25')).json()).total).toBe(0);
    expect((await (await get('/r/components?q=widget_0')).json()).total).toBe(0);
  });

  test.each([['page=0'], ['page=x'], ['per_page=101'], ['per_page=-1'], ['page=1.5']])('?%s → 400', async (query) => {
    const res = await get(`/r/components?${query}`);
    expect(res.status).toBe(400);
    expect((await res.json()).error.details[0].path).toBe(query.split('=')[0]);
  });
});

describe('GET /r/components/:name and deprecation', () => {
  test('every version with its schema, sizes, date and deprecation', async () => {
    const body = await (await get('/r/components/hello')).json();
    expect(body.name).toBe('hello');
    expect(body.latest).toBe('1.1.0');
    expect(body.versions.map((v: any) => v.version)).toEqual(['1.1.0', '1.0.0']);
    const v = body.versions[1];
    expect(v.parameters.name).toMatchObject({ type: 'string', mandatory: true });
    expect(v.files['template.js']).toMatchObject({ size: expect.any(Number), gzip: expect.any(Number), integrity: expect.stringMatching(/^sha256-/) });
    expect(v.files['server.cjs']).toBeUndefined();
    expect(v.serverSize).toBeGreaterThan(100);
    expect(v.deprecated).toBeNull();
  });

  test('deprecating 1.1.0: ranges skip it, exact requests still serve it, undo restores it', async () => {
    const patch = (body: unknown, auth = admin) =>
      fetch(`${registry.url}/r/components/hello/1.1.0`, { method: 'PATCH', headers: { Authorization: auth }, body: JSON.stringify(body) });
    expect((await patch({ deprecated: 'broken on Safari' })).status).toBe(200);
    expect((await (await get('/r/component/hello/1.x?name=a')).json()).version).toBe('1.0.0');
    expect((await (await get('/r/component/hello?name=a')).json()).version).toBe('1.0.0');
    expect((await (await get('/r/component/hello/1.1.0?name=a')).json()).version).toBe('1.1.0');
    const detail = await (await get('/r/components/hello')).json();
    expect(detail.latest).toBe('1.0.0');
    expect(detail.versions[0].deprecated).toBe('broken on Safari');
    expect((await patch({ deprecated: false })).status).toBe(200);
    expect((await (await get('/r/component/hello/1.x?name=a')).json()).version).toBe('1.1.0');
  });

  test.each([
    ['no credentials', { deprecated: 'x' }, '', 401],
    ['a bad body', { deprecated: 3 }, admin, 400],
  ])('deprecate with %s → %i', async (_label, body, auth, status) => {
    const headers: Record<string, string> = auth ? { Authorization: auth } : {};
    const res = await fetch(`${registry.url}/r/components/hello/1.0.0`, { method: 'PATCH', headers, body: JSON.stringify(body) });
    expect(res.status).toBe(status);
  });

  test('deprecating a version that does not exist → 404; unknown component → 404', async () => {
    const res = await fetch(`${registry.url}/r/components/hello/7.0.0`, { method: 'PATCH', headers: { Authorization: admin }, body: '{"deprecated":"x"}' });
    expect(res.status).toBe(404);
    expect((await get('/r/components/nope')).status).toBe(404);
  });
});

describe('operations', () => {
  test('/health checks the database and the storage', async () => {
    const res = await get('/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', checks: { database: 'ok', storage: 'ok' } });
  });

  test('/health is 503 naming the failure when storage is down', async () => {
    const inner = memoryDriver();
    let down = false;
    // Down after the start: a registry whose storage fails its check does not start at all.
    const broken: StorageDriver = { ...inner, name: 'broken', check: async () => { if (down) throw new Error('bucket unreachable'); } };
    const other = await startRegistry({ storage: broken });
    down = true;
    try {
      const res = await fetch(`${other.url}/health`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ status: 'unavailable', checks: { database: 'ok', storage: 'failed: bucket unreachable' } });
    } finally {
      await other.close();
    }
  });

  test('/metrics: requests by route and status, render histogram, cache counters', async () => {
    await get('/r/component/hello/1.0.0?name=m');
    await get('/r/component/hello/1.0.0');
    const text = await (await get('/metrics')).text();
    expect(text).toMatch(/^mikr0_http_requests_total\{route="render",method="GET",status="200"\} \d+$/m);
    expect(text).toMatch(/^mikr0_http_requests_total\{route="render",method="GET",status="400"\} \d+$/m);
    expect(text).toMatch(/^mikr0_http_requests_total\{route="publish",method="PUT",status="201"\} 27$/m);
    expect(text).toMatch(/^# TYPE mikr0_render_duration_seconds histogram$/m);
    expect(text).toMatch(/^mikr0_render_duration_seconds_bucket\{le="\+Inf"\} \d+$/m);
    expect(text).toMatch(/^mikr0_module_cache_misses_total [1-9]\d*$/m);
    expect(text).toMatch(/^mikr0_components 26$/m);
  });

  test('an unknown route → 404 envelope', async () => {
    const res = await get('/r/nothing-here');
    expect(res.status).toBe(404);
    expect((await res.json()).error).toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/No route for GET \/r\/nothing-here/) });
  });

  test('CORS on public routes, never on publish', async () => {
    const origin = { Origin: 'https://shop.example' };
    for (const path of ['/r/component/hello/1.0.0?name=c', '/r/static/hello/1.0.0/template.js', '/r/components']) {
      expect((await get(path, origin)).headers.get('access-control-allow-origin')).toBe('*');
    }
    const preflight = await fetch(`${registry.url}/r/batch`, { method: 'OPTIONS', headers: { ...origin, 'Access-Control-Request-Method': 'POST' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toMatch(/POST/);
    const publishPreflight = await fetch(`${registry.url}/r/publish/x/1.0.0`, { method: 'OPTIONS', headers: origin });
    expect(publishPreflight.headers.get('access-control-allow-origin')).toBeNull();
    const deprecate = await fetch(`${registry.url}/r/components/hello/1.0.0`, { method: 'PATCH', headers: origin, body: '{}' });
    expect(deprecate.headers.get('access-control-allow-origin')).toBeNull();
  });

  test('a CORS allow-list answers listed origins only', async () => {
    const other = await startRegistry({ cors: { origins: ['https://a.example'] } });
    try {
      const ok = await fetch(`${other.url}/r/components`, { headers: { Origin: 'https://a.example' } });
      expect(ok.headers.get('access-control-allow-origin')).toBe('https://a.example');
      const no = await fetch(`${other.url}/r/components`, { headers: { Origin: 'https://b.example' } });
      expect(no.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await other.close();
    }
  });

  test('a restart keeps everything published', async () => {
    const before = await (await get('/r/components?per_page=100')).json();
    const oldToken = registry.token;
    registry = await registry.restart();
    const after = await (await get('/r/components?per_page=100')).json();
    expect(after).toEqual(before);
    const render = await (await get('/r/component/hello/1.0.0?name=again')).json();
    expect(render.data.greeting).toBe('Hello, again!');
    expect((await get('/r/static/hello/1.0.0/logo.svg')).status).toBe(200);
    // Tokens survive too: the token made before the restart still publishes.
    const res = await publish({ url: registry.url, token: oldToken }, 'hello', { version: '1.2.0' });
    expect(res.status).toBe(201);
  });
});
