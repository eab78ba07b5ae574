/** The same component rendered by the dev emulator and by registry-lite after build + publish. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, expect, test } from 'vitest';
import mikr0 from '../../plugin/index.js';
import { publishDir, startRegistry, type TestRegistry } from '../helpers.js';
import { buildProject, writeProject } from './project.js';

const files = {
  'package.json': JSON.stringify({ name: 'parity', version: '1.4.0', type: 'module' }),
  'src/index.ts': `import { createComponent, createError } from 'vite-plugin-mikr0/runtime';
export default createComponent({
  parameters: {
    name: { type: 'string', mandatory: true },
    n: { type: 'number', default: 2 },
    mode: { type: 'string', enum: ['a', 'b'], default: 'a' },
    flag: { type: 'boolean' },
  },
  plugins: { rate: async (n: number) => n * 10 },
  async loader({ parameters, headers, plugins }) {
    if (parameters.name === 'boom') throw new Error('kaput');
    if (parameters.name === 'teapot') throw createError({ status: 418, code: 'BAD_REQUEST', message: 'short and stout', details: [{ path: 'name', message: 'is a teapot' }] });
    if (parameters.name === 'cycle') { const a: any = {}; a.a = a; return a; }
    return { ...parameters, lang: headers['accept-language'] ?? null, rate: await plugins.rate(parameters.n), missing: undefined };
  },
  actions: {
    sum: (input: number[]) => input.reduce((a, b) => a + b, 0),
    nothing: () => undefined,
    fail: () => { throw new Error('nope'); },
  },
  render: (data) => '<b>' + data.name + '</b>',
  mount(el, data) { el.textContent = data.name; },
});
`,
};

let dir: string;
let registry: TestRegistry;
let dev: ViteDevServer;
let devUrl: string;

beforeAll(async () => {
  dir = await writeProject(files);
  await buildProject(dir);
  registry = await startRegistry({ plugins: { rate: async (n: number) => n * 10 } });
  const res = await publishDir(registry, path.join(dir, 'dist'));
  expect(res.status, await res.clone().text()).toBe(201);
  dev = await createServer({ root: dir, configFile: false, logLevel: 'silent', server: { port: 0, host: '127.0.0.1', ws: false }, plugins: [mikr0()] });
  await dev.listen();
  devUrl = dev.resolvedUrls!.local[0].replace(/\/$/, '');
});
afterAll(async () => {
  await dev?.close();
  await registry?.close();
  await fs.rm(dir, { recursive: true, force: true });
});

async function both(request: (base: string) => Promise<Response>) {
  const [a, b] = await Promise.all([request(devUrl), request(registry.url)]);
  const [ja, jb] = await Promise.all([a.json(), b.json()]);
  return { dev: { status: a.status, body: ja }, registry: { status: b.status, body: jb } };
}

const renders = [
  ['plain', '?name=Ann'],
  ['coerced', '?name=Ann&n=5&flag=true&mode=b'],
  ['every bad parameter', '?n=x&mode=c&flag=maybe'],
  ['loader throws', '?name=boom'],
  ['a branded 4xx', '?name=teapot'],
  ['data that is not JSON', '?name=cycle'],
] as const;

test.each(renders)('render, %s: same status, data, html and errors', async (_label, query) => {
  const { dev: d, registry: r } = await both((base) => fetch(`${base}/r/component/parity/1.x${query}`, { headers: { 'Accept-Language': 'de' } }));
  expect(d.status).toBe(r.status);
  if (r.status === 200) {
    expect(d.body.data).toEqual(r.body.data);
    expect(d.body.html).toEqual(r.body.html);
    expect(d.body.version).toBe(r.body.version);
  } else {
    expect(d.body.error.code).toBe(r.body.error.code);
    expect(d.body.error.details).toEqual(r.body.error.details);
    if (r.status !== 500) expect(d.body.error.message).toBe(r.body.error.message);
  }
});

test.each([
  ['sum', { action: 'sum', input: [1, 2, 3] }],
  ['undefined result', { action: 'nothing' }],
  ['unknown', { action: 'nope' }],
  ['throws', { action: 'fail' }],
  ['bad body', { input: 1 }],
])('action, %s: same status and body', async (_label, body) => {
  const { dev: d, registry: r } = await both((base) => fetch(`${base}/r/action/parity/1.4.0`, { method: 'POST', body: JSON.stringify(body) }));
  expect(d).toEqual(r);
});

test('vite preview serves the built bundle from an in-memory registry-lite, same answers', async () => {
  const { preview } = await import('vite');
  const server = await preview({
    root: dir,
    configFile: false,
    logLevel: 'silent',
    preview: { port: 0, host: '127.0.0.1' },
    plugins: [mikr0({ plugins: { rate: async (n: number) => n * 10 } })],
  });
  try {
    const url = server.resolvedUrls!.local[0].replace(/\/$/, '');
    for (const [, query] of renders) {
      const [p, r] = await Promise.all([fetch(`${url}/r/component/parity/1.x${query}`), fetch(`${registry.url}/r/component/parity/1.x${query}`)]);
      const [pb, rb] = await Promise.all([p.json(), r.json()]);
      expect(p.status).toBe(r.status);
      expect(pb.data ?? pb.error.code).toEqual(rb.data ?? rb.error.code);
    }
    const payload = await (await fetch(`${url}/r/component/parity/1.4.0?name=Ann`)).json();
    expect(payload.src).toBe(`${url}/r/static/parity/1.4.0/template.js`);
    expect((await fetch(payload.src)).status).toBe(200);
    expect((await fetch(`${url}/r/static/parity/1.4.0/server.cjs`)).status).toBe(404);
  } finally {
    await server.close();
  }
});
