import fs from 'node:fs/promises';
import path from 'node:path';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import mikr0 from '../../plugin/index.js';
import { publish, startRegistry, type TestRegistry } from '../helpers.js';
import { writeProject } from './project.js';

const loaderSource = (greeting: string) => `import { createComponent } from 'vite-plugin-mikr0/runtime';
import { word } from './word';
export default createComponent({
  parameters: { name: { type: 'string', mandatory: true }, n: { type: 'number', default: 1 } },
  plugins: { getUser: async (id: number) => ({ id, name: 'Stand-in' }) },
  loader: async ({ parameters, headers, plugins }) => ({
    text: '${greeting}, ' + parameters.name + word(),
    n: parameters.n,
    lang: headers['accept-language'] ?? null,
    user: await plugins.getUser(3),
  }),
  actions: {
    add: (input: { a: number; b: number }) => input.a + input.b,
    fail: () => { throw new Error('action exploded'); },
  },
  mount(el, data) { el.textContent = data.text; },
});
`;

async function startDev(dir: string, options: Parameters<typeof mikr0>[0] = {}) {
  const server = await createServer({ root: dir, configFile: false, logLevel: 'silent', server: { port: 0, host: '127.0.0.1', ws: false }, plugins: [mikr0(options)] });
  await server.listen();
  return { server, url: server.resolvedUrls!.local[0].replace(/\/$/, '') };
}

let dir: string;
let dev: { server: ViteDevServer; url: string };
let fallback: TestRegistry;

beforeAll(async () => {
  fallback = await startRegistry();
  expect((await publish(fallback, 'hello')).status).toBe(201);
  dir = await writeProject({
    'package.json': JSON.stringify({ name: 'dev-card', version: '0.3.0', type: 'module' }),
    'src/word.ts': `export const word = () => '!';\n`,
    'src/index.ts': loaderSource('Hello'),
  });
  dev = await startDev(dir, { registryFallbackUrl: fallback.url });
});
afterAll(async () => {
  await dev?.server.close();
  await fallback?.close();
  await fs.rm(dir, { recursive: true, force: true });
});

const get = (p: string, headers: Record<string, string> = {}) => fetch(dev.url + p, { headers });
const post = (p: string, body: unknown) => fetch(dev.url + p, { method: 'POST', body: JSON.stringify(body) });

describe('vite dev: the emulated registry', () => {
  test('renders the component: parameters, headers, plugin stand-ins; src is the client half on the dev server', async () => {
    const res = await get('/r/component/dev-card/0.3.0?name=Ann&n=2', { 'Accept-Language': 'fr' });
    const body = await res.json();
    expect(res.status).toBe(200);
    expect(body).toEqual({
      name: 'dev-card',
      version: '0.3.0',
      src: `${dev.url}/src/index.ts`,
      data: { text: 'Hello, Ann!', n: 2, lang: 'fr', user: { id: 3, name: 'Stand-in' } },
    });
    const client = await (await fetch(body.src)).text();
    expect(client).toMatch(/mount/);
    expect(client).not.toMatch(/getUser|action exploded|accept-language/);
  });

  test('ranges resolve to the dev version; the error envelope is the registry one', async () => {
    expect((await (await get('/r/component/dev-card/0.x?name=A')).json()).version).toBe('0.3.0');
    const res = await get('/r/component/dev-card/0.3.0?n=x');
    expect(res.status).toBe(400);
    expect((await res.json()).error.details.map((d: any) => d.path)).toEqual(['name', 'n']);
  });

  test('actions: result, unknown action 404, failure 500 without stack', async () => {
    expect(await (await post('/r/action/dev-card/0.3.0', { action: 'add', input: { a: 1, b: 2 } })).json()).toEqual({ data: 3 });
    expect((await post('/r/action/dev-card/0.3.0', { action: 'nope' })).status).toBe(404);
    const failed = await post('/r/action/dev-card/0.3.0', { action: 'fail' });
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ error: { code: 'ACTION_ERROR', message: 'Action "fail" of dev-card@0.3.0 failed: action exploded' } });
  });

  test('a server-code edit is picked up by the next request', async () => {
    await fs.writeFile(path.join(dir, 'src/word.ts'), `export const word = () => '?!';\n`);
    await fs.writeFile(path.join(dir, 'src/index.ts'), loaderSource('Bonjour'));
    let text = '';
    for (let i = 0; i < 50 && text !== 'Bonjour, Ann?!'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      text = (await (await get('/r/component/dev-card/0.3.0?name=Ann')).json()).data?.text;
    }
    expect(text).toBe('Bonjour, Ann?!');
  });

  test('the registry lists the component under development (schema, actions); / is the playground on it', async () => {
    const detail = await (await get('/r/components/dev-card')).json();
    expect(detail.versions[0]).toMatchObject({
      version: '0.3.0',
      parameters: { name: { type: 'string', mandatory: true }, n: { type: 'number', default: 1 } },
      actionNames: ['add', 'fail'],
    });
    const page = await get('/');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('/@vite/client');
    expect(html).toContain(`<meta name="mikr0-dev-component" content='{"name":"dev-card","version":"0.3.0"}'>`);
    const script = /src="(\/__mikr0\/playground\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeTruthy();
    expect((await get(script!)).status).toBe(200);
    expect((await get('/r/client.js')).headers.get('content-type')).toMatch(/javascript/);
  });
});

describe('vite dev: registry fallback', () => {
  test('a component the project does not have comes from the fallback registry, status and headers passed', async () => {
    const res = await get('/r/component/hello/1.x?name=Bo');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-mikr0-fallback')).toBe(fallback.url);
    expect((await res.json()).data.greeting).toBe('Hello, Bo!');
    const action = await post('/r/action/hello/1.0.0', { action: 'add', input: { a: 5, b: 5 } });
    expect(await action.json()).toEqual({ data: { sum: 10 } });
    const file = await get('/r/static/hello/1.0.0/template.js');
    expect(file.status).toBe(200);
    expect(file.headers.get('cache-control')).toMatch(/immutable/);
  });

  test('unknown to both: the fallback registry’s 404 passes through', async () => {
    const res = await get('/r/component/nowhere/1.0.0');
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe('NOT_FOUND');
  });

  test('a fallback that is down: 502 naming the URL, fast', async () => {
    const down = await startDev(dir, { registryFallbackUrl: 'http://127.0.0.1:9' });
    try {
      const started = Date.now();
      const res = await fetch(`${down.url}/r/component/hello/1.0.0`);
      expect(res.status).toBe(502);
      expect((await res.json()).error.message).toMatch(/http:\/\/127\.0\.0\.1:9/);
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await down.server.close();
    }
  });

  test('a fallback that hangs: 504 within the timeout', async () => {
    const http = await import('node:http');
    const hanging = http.createServer(() => {});
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r));
    const port = (hanging.address() as { port: number }).port;
    const slow = await startDev(dir, { registryFallbackUrl: `http://127.0.0.1:${port}`, fallbackTimeout: 300 });
    try {
      const started = Date.now();
      const res = await fetch(`${slow.url}/r/component/hello/1.0.0`);
      expect(res.status).toBe(504);
      expect((await res.json()).error.message).toMatch(/did not answer within 300 ms/);
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await slow.server.close();
      hanging.closeAllConnections();
      hanging.close();
    }
  });
});

describe('vite dev: a component that cannot be loaded at start', () => {
  test('the terminal says why, not only the browser overlay', async () => {
    const broken = await writeProject({
      'package.json': JSON.stringify({ name: 'broken-card', version: '0.1.0', type: 'module' }),
      'src/index.ts': `import { createComponent } from 'vite-plugin-mikr0/runtime';\nconst settings = undefined as any;\nexport default createComponent({ loader: () => ({ tone: settings.tone }), mount() {} });\nsettings.tone;\n`,
    });
    const warnings: string[] = [];
    const logger = { info() {}, warn: (m: string) => void warnings.push(m), warnOnce() {}, error() {}, clearScreen() {}, hasErrorLogged: () => false, hasWarned: false };
    const server = await createServer({ root: broken, configFile: false, customLogger: logger, server: { port: 0, host: '127.0.0.1', ws: false }, plugins: [mikr0()] });
    try {
      await server.listen();
      const url = server.resolvedUrls!.local[0].replace(/\/$/, '');
      await fetch(`${url}/r/component/broken-card/0.1.0`);
      const line = warnings.find((w) => w.includes('could not be loaded yet'));
      expect(line).toContain("Cannot read properties of undefined (reading 'tone')");
      expect(line).toContain('fix it and save');
    } finally {
      await server.close();
      await fs.rm(broken, { recursive: true, force: true });
    }
  });
});

describe('vite dev: dependency pre-bundling', () => {
  test("Vite's dependency scan sees the real runtime package; the page's import is the bound runtime", async () => {
    // Bound to a virtual module during the scan too, the runtime was never pre-bundled: the first
    // request found it, Vite re-optimized and, now and then, reloaded the page under the test.
    const container = dev.server.environments.client.pluginContainer;
    const importer = path.join(dir, 'src', 'index.ts');
    const scanned = await container.resolveId('vite-plugin-mikr0/runtime', importer, { scan: true } as never);
    expect(scanned?.id).toMatch(/\/runtime\/index\.(js|ts)$/);
    expect((await container.resolveId('vite-plugin-mikr0/runtime', importer))?.id).toBe('\0mikr0:runtime');
  });
});
