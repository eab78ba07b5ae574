/**
 * The same contract in dev: the dev emulator runs server code in a vm context built by the
 * registry's own code, so the globals, the refusals, the timeout and the fetch policy are
 * those of registry-lite running the built bundle.
 */
import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import mikr0 from '../../plugin/index.js';
import { resolveOptions as pluginOptions } from '../../plugin/options.js';
import { resolveOptions as registryOptions } from '../../registry-lite/options.js';
import { DEFAULT_TIMEOUT_MS } from '../../runtime/node/sandbox/defaults.js';
import { publishDir, startRegistry, type TestRegistry } from '../helpers.js';
import { buildProject, writeProject } from './project.js';

const TIMEOUT = 1000;

const files = {
  'package.json': JSON.stringify({ name: 'realm-probe', version: '2.0.0', type: 'module' }),
  'src/index.ts': `import { createComponent } from 'vite-plugin-mikr0/runtime';
export default createComponent({
  parameters: { probe: { type: 'string', mandatory: true }, url: { type: 'string' } },
  async loader({ parameters }) {
    const g: any = globalThis;
    switch (parameters.probe) {
      case 'globals':
        return {
          buffer: typeof Buffer,
          proc: Object.keys(process),
          env: process.env.NODE_ENV,
          url: new URL('/a?b=1', 'https://x.test').searchParams.get('b'),
          enc: new TextEncoder().encode('é').length,
          clone: structuredClone({ a: [1] }),
          abort: typeof AbortController,
          mc: typeof MessageChannel,
          req: typeof g.require,
          names: Object.getOwnPropertyNames(globalThis).filter((n) => !n.startsWith('__mikr0')).sort(),
          ownRealm: Object.getPrototypeOf(parameters) === Object.prototype && g.URL === URL,
          later: await new Promise((resolve) => setTimeout(() => resolve('tick'), 5)),
        };
      case 'eval':
        return eval('1');
      case 'function':
        return new Function('return 1')();
      case 'sleep':
        await new Promise((resolve) => setTimeout(resolve, 60_000));
        return 'woke';
      case 'spin':
        for (;;) {}
      case 'fetch': {
        try {
          const res = await fetch(parameters.url!);
          return { status: res.status, text: await res.text() };
        } catch (error: any) {
          return { error: error.message };
        }
      }
    }
    return null;
  },
  mount(el, data) { el.textContent = JSON.stringify(data); },
});
`,
};

let dir: string;
let registry: TestRegistry;
let dev: { server: ViteDevServer; url: string };
let local: http.Server;
let localUrl: string;

async function startDev(options: Parameters<typeof mikr0>[0] = {}) {
  const server = await createServer({ root: dir, configFile: false, logLevel: 'silent', server: { port: 0, host: '127.0.0.1', ws: false }, plugins: [mikr0(options)] });
  await server.listen();
  return { server, url: server.resolvedUrls!.local[0].replace(/\/$/, '') };
}

beforeAll(async () => {
  dir = await writeProject(files);
  await buildProject(dir);
  registry = await startRegistry({ timeout: TIMEOUT });
  const res = await publishDir(registry, path.join(dir, 'dist'));
  expect(res.status, await res.clone().text()).toBe(201);
  dev = await startDev({ timeout: TIMEOUT });
  local = http.createServer((_req, res) => res.end('from loopback'));
  await new Promise<void>((resolve) => local.listen(0, '127.0.0.1', resolve));
  localUrl = `http://127.0.0.1:${(local.address() as { port: number }).port}/`;
});
afterAll(async () => {
  await dev?.server.close();
  await registry?.close();
  local?.close();
  await fs.rm(dir, { recursive: true, force: true });
});

const render = (base: string, query: string) => fetch(`${base}/r/component/realm-probe/2.0.0?${query}`);

async function both(query: string) {
  const [d, r] = await Promise.all([render(dev.url, query), render(registry.url, query)]);
  return { dev: { status: d.status, body: await d.json() }, registry: { status: r.status, body: await r.json() } };
}

describe('vite dev runs server code with the registry sandbox globals', () => {
  test('same globals as registry-lite running the built bundle', async () => {
    const { dev: d, registry: r } = await both('probe=globals');
    expect(r.status).toBe(200);
    expect(d.status).toBe(200);
    expect(d.body.data).toEqual(r.body.data);
    expect(d.body.data).toMatchObject({
      buffer: 'undefined',
      proc: ['env', 'nextTick'],
      env: 'production',
      url: '1',
      enc: 2,
      clone: { a: [1] },
      abort: 'function',
      mc: 'function',
      req: 'undefined',
      ownRealm: true,
      later: 'tick',
    });
    expect(d.body.data.names).toEqual(expect.arrayContaining(['URL', 'TextEncoder', 'structuredClone', 'fetch', 'setTimeout', 'console', 'process']));
    expect(d.body.data.names).not.toContain('Buffer');
  });

  test.each(['eval', 'function'])('%s: code generation from strings is refused, same error', async (probe) => {
    const { dev: d, registry: r } = await both(`probe=${probe}`);
    expect(d.status).toBe(500);
    expect(d).toEqual(r);
    expect(d.body.error.message).toMatch(/Code generation from strings disallowed/);
  });

  test('fetch follows the same default policy: loopback refused, same message', async () => {
    const { dev: d, registry: r } = await both(`probe=fetch&url=${encodeURIComponent(localUrl)}`);
    expect(d.status).toBe(200);
    expect(d.body.data).toEqual(r.body.data);
    expect(d.body.data.error).toMatch(/refused: 127\.0\.0\.1 is a loopback address; .*public hosts/);
  });

  test('mikr0({ fetch }) takes the registry option: an allowed host is reached', async () => {
    const allowed = await startDev({ fetch: { allow: ['127.0.0.1'] } });
    try {
      const res = await render(allowed.url, `probe=fetch&url=${encodeURIComponent(localUrl)}`);
      expect((await res.json()).data).toEqual({ status: 200, text: 'from loopback' });
    } finally {
      await allowed.server.close();
    }
  });
});

describe('vite dev keeps the registry timeout', () => {
  test('the default is one constant, shared by mikr0() and registry-lite', () => {
    expect(DEFAULT_TIMEOUT_MS).toBe(5000);
    expect(pluginOptions({}, dir).timeout).toBe(DEFAULT_TIMEOUT_MS);
    expect(registryOptions({}).timeout).toBe(DEFAULT_TIMEOUT_MS);
    expect(() => pluginOptions({ timeout: 0 }, dir)).toThrow(/timeout must be a positive integer/);
  });

  test('a loader that sleeps past the timeout: 504 naming it, as the registry answers', async () => {
    const started = Date.now();
    const { dev: d, registry: r } = await both('probe=sleep');
    expect(d.status).toBe(504);
    expect(d).toEqual(r);
    expect(d.body.error).toEqual({ code: 'TIMEOUT', message: `Loader of realm-probe@2.0.0 took longer than ${TIMEOUT} ms` });
    expect(Date.now() - started).toBeLessThan(TIMEOUT + 2000);
  });

  test('a synchronous endless loop is stopped too (504), and the next request is served', async () => {
    const res = await render(dev.url, 'probe=spin');
    expect(res.status).toBe(504);
    expect((await res.json()).error.message).toBe(`Loader of realm-probe@2.0.0 took longer than ${TIMEOUT} ms`);
    const next = await render(dev.url, 'probe=globals');
    expect(next.status).toBe(200);
    expect((await next.json()).data.buffer).toBe('undefined');
  });
});
