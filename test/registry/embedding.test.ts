/**
 * The registry's declared options for embedding it (what `vite dev` and `vite preview` use,
 * through the public index like anyone else): `executor`, `clientUrl`, `fallback`, and
 * `registry.publish` / `registry.components`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createRegistry, type ExecuteJob, type Registry } from '../../registry-lite/index.js';
import { bundle, memoryLogger, publishServer, startRegistry, type TestRegistry } from '../helpers.js';

const memory = { database: { type: 'memory' }, storage: { type: 'memory' }, ui: false } as const;
const started: Registry[] = [];

async function listen(options: Parameters<typeof createRegistry>[0]) {
  const registry = createRegistry({ ...memory, logger: memoryLogger(), ...options });
  started.push(registry);
  const { url } = await registry.listen(0);
  return { registry, url };
}

afterAll(async () => {
  await Promise.all(started.map((registry) => registry.close()));
});

describe('executor and clientUrl', () => {
  const jobs: ExecuteJob[] = [];
  let url: string;
  let registry: Registry;

  beforeAll(async () => {
    ({ registry, url } = await listen({
      executor: { run: async (job) => (jobs.push(job), { data: JSON.stringify({ ran: `${job.name}@${job.version}`, kind: job.kind }) }) },
      clientUrl: ({ name }) => (name === 'local' ? '/src/local.ts' : undefined),
    }));
    expect(await registry.publish('local', '1.0.0', await bundle('local', '1.0.0', 'module.exports = {}'))).toMatchObject({ name: 'local', version: '1.0.0' });
    await registry.publish('other', '2.0.0', await bundle('other', '2.0.0', 'module.exports = {}', { files: { template: 'template.js', server: 'server.cjs', css: [] } }));
  });

  test('server code runs in the given executor, and no sandbox process is started', async () => {
    const res = await fetch(`${url}/r/component/local/1.x`);
    expect(res.status).toBe(200);
    expect((await res.json()).data).toEqual({ ran: 'local@1.0.0', kind: 'loader' });
    const action = await fetch(`${url}/r/action/local/1.0.0`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"action":"go"}' });
    expect(await action.json()).toEqual({ data: { ran: 'local@1.0.0', kind: 'action' } });
    expect(jobs.map((job) => job.kind)).toEqual(['loader', 'action']);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/mikr0_components 2/);
    expect(metrics).not.toMatch(/mikr0_sandbox_restarts_total/);
  });

  test('clientUrl replaces the published client module (on the origin the request came to); undefined keeps it', async () => {
    const local = await (await fetch(`${url}/r/component/local/1.0.0`)).json();
    expect(local.src).toBe(`${url}/src/local.ts`);
    expect(local.css).toBeUndefined();
    const other = await (await fetch(`${url}/r/component/other/2.0.0`)).json();
    expect(other.src).toBe(`${url}/r/static/other/2.0.0/template.js`);
  });

  test('registry.publish checks like PUT /r/publish: a second publish is a 409', async () => {
    await expect(registry.publish('local', '1.0.0', await bundle('local', '1.0.0', null))).rejects.toMatchObject({ status: 409, code: 'VERSION_EXISTS' });
    expect((await registry.components.resolve('local', 'latest'))?.version).toBe('1.0.0');
  });
});

describe('versions are immutable to an embedder', () => {
  test('registry.components reads and deprecates, nothing more; develop() is for the memory database only', async () => {
    const { registry, url } = await listen({});
    expect(Object.keys(registry.components).sort()).toEqual(['deprecate', 'get', 'has', 'list', 'resolve', 'versions']);
    const dev = await registry.develop({ name: 'live', version: '0.1.0', description: '', manifest: { template: 'x.js', server: null, css: [], files: {}, client: [], plugins: [], dependencies: [] }, publishedAt: 1 });
    await dev.update({ template: 'x.js', server: null, css: [], files: {}, client: [], plugins: [], dependencies: [], parameters: { n: { type: 'number' } } });
    expect((await (await fetch(`${url}/r/components/live`)).json()).versions[0].parameters).toEqual({ n: { type: 'number' } });
    const stored = createRegistry({ database: { type: 'sqlite', options: { file: ':memory:' } }, storage: { type: 'memory' }, logger: memoryLogger() });
    try {
      await expect(stored.develop({ name: 'live', version: '0.1.0', description: '', manifest: {} as never, publishedAt: 1 })).rejects.toThrow(/needs database: \{ type: "memory" \}/);
    } finally {
      await stored.close();
    }
  });
});

describe('fallback', () => {
  let remote: TestRegistry;

  beforeAll(async () => {
    remote = await startRegistry();
    await publishServer(remote, 'remote-card', 'module.exports = { loader: () => ({ from: "remote" }) }');
  });
  afterAll(() => remote.close());

  test('a component this registry does not have comes from the fallback, marked as such', async () => {
    const { url } = await listen({ fallback: { url: remote.url } });
    const res = await fetch(`${url}/r/component/remote-card/1.0.0`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-mikr0-fallback')).toBe(remote.url);
    expect((await res.json()).data).toEqual({ from: 'remote' });
    const missing = await fetch(`${url}/r/component/nowhere/1.0.0`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-mikr0-fallback')).toBe(remote.url);
  });

  test('a fallback that hangs is a 504 from the registry’s own error boundary, in the envelope', async () => {
    const hanging = http.createServer(() => {});
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    try {
      const port = (hanging.address() as AddressInfo).port;
      const { url } = await listen({ fallback: { url: `http://127.0.0.1:${port}`, timeout: 200 } });
      const res = await fetch(`${url}/r/component/remote-card/1.0.0`);
      expect(res.status).toBe(504);
      expect(await res.json()).toEqual({ error: { code: 'TIMEOUT', message: expect.stringMatching(/did not answer within 200 ms/) } });
    } finally {
      hanging.closeAllConnections();
      hanging.close();
    }
  });

  test('a fallback URL that is not one is refused at creation, naming the option', () => {
    expect(() => createRegistry({ ...memory, fallback: { url: 'registry.example.com' } })).toThrow(/fallback\.url must be the absolute http\(s\) URL/);
  });
});
