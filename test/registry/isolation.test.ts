/**
 * The registry's core promise, layer by layer: component code reaches no host object (the vm
 * layer), an escape we did not foresee lands in a process without rights (the process
 * layer), and one component's failure is its own (bulkheads). Every case here was an attack
 * that worked before the sandbox ran in processes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { publishServer, startRegistry, type TestRegistry } from '../helpers.js';

const escapes: Record<string, string> = {
  'global-ctor': `module.exports = { loader() { const p = globalThis.constructor.constructor('return process')(); return { pid: p.pid, cwd: p.cwd() } } };`,
  'this-ctor': `module.exports = { loader() { return this.constructor.constructor('return process')().pid }, actions: { go() { return this.constructor.constructor('return process')().pid } } };`,
  // Each route where Node formats a component's stack trace with its prepareStackTrace.
  'stack-trace': `
    const leaks = [];
    const steal = (error, frames) => { try { leaks.push(frames[0].constructor.constructor('return process')().pid) } catch (e) {} return 'x' };
    try { Error.prepareStackTrace = steal } catch (e) {}
    try { Object.defineProperty(Error, 'prepareStackTrace', { value: steal }) } catch (e) {}
    try { globalThis.Error = { prepareStackTrace: steal } } catch (e) {}
    new Error('top level').stack;
    module.exports = { loader: () => new Promise((resolve) => {
      const holder = {}; Error.captureStackTrace(holder); holder.stack;
      Promise.reject(new Error('unhandled'));
      setTimeout(() => { new Error('in a timer').stack; throw new Error('thrown in a timer') }, 1);
      setTimeout(() => resolve({ leaks, locked: Error.prepareStackTrace === undefined }), 30);
    }) };`,
  'dynamic-import': `module.exports = { loader: () => import('node:fs').then(() => 'imported', (e) => ({ ownRealm: e instanceof Error, message: e.message, escape: (() => { try { return e.constructor.constructor('return process')().pid } catch (x) { return x.message } })() })) };`,
  // A stack overflow inside a host function would throw a host-realm RangeError.
  'overflow': `module.exports = { loader() { let foreign = 0, caught = 0;
    const probe = () => { try { console.log('x') } catch (e) { caught++; if (!(e instanceof Error) || e.constructor.constructor !== Function) foreign++ } };
    const dive = (n) => { try { dive(n + 1) } catch (e) { if (!(e instanceof Error)) foreign++ } probe() };
    dive(0); return { foreign } } };`,
  'wasm-atomics': `module.exports = { loader: () => ({ atomics: typeof Atomics, sab: typeof SharedArrayBuffer, wasm: typeof WebAssembly }) };`,
  // The test-only hook hands over the real process: what can an escape do with it?
  escaped: `module.exports = { loader({ parameters }) {
    const p = globalThis.__mikr0TestProcess; const fs = p.getBuiltinModule('fs');
    const attempt = (fn) => { try { fn(); return 'allowed' } catch (e) { return e.code || e.message } };
    return { pid: p.pid, env: Object.keys(p.env),
      write: attempt(() => fs.writeFileSync(parameters.write, 'pwned')),
      readDb: attempt(() => fs.readFileSync(parameters.db)),
      readData: attempt(() => fs.readdirSync(parameters.data)),
      spawn: attempt(() => p.getBuiltinModule('child_process').execSync('id')),
      worker: attempt(() => new (p.getBuiltinModule('worker_threads').Worker)('1', { eval: true })),
      addon: attempt(() => p.dlopen({ exports: {} }, parameters.db)) } } };`,
};

const bulkheads: Record<string, string> = {
  ok: `module.exports = { loader: ({ parameters }) => ({ ok: true, n: parameters.n ?? null }) };`,
  'heap-bomb': `module.exports = { loader() { const keep = []; for (;;) keep.push(new Array(100000).fill(keep.length)) } };`,
  'big-result': `module.exports = { loader: () => 'x'.repeat(200 * 1024 * 1024) };`,
  'off-heap': `const keep = []; module.exports = { loader() { for (let i = 0; i < 16; i++) keep.push(new Uint8Array(64 << 20)); return keep.length } };`,
  microtasks: `module.exports = { loader() { const again = () => Promise.resolve().then(again); again(); return new Promise(() => {}) } };`,
  spin: `module.exports = { loader() { for (;;) {} } };`,
  'slow-sync': `module.exports = { loader() { const end = Date.now() + 450; while (Date.now() < end) {} return 'done' } };`,
  'left-interval': `let ticks = 0; module.exports = { loader({ parameters }) {
    if (parameters.mode === 'read') return ticks;
    setInterval(() => { ticks++; const end = Date.now() + 20; while (Date.now() < end) {} }, 1);
    return new Promise(() => {}) } };`,
  results: `module.exports = { loader({ parameters }) { const self = {}; self.self = self;
    return { fn: { fn() {} }, symbol: { tag: Symbol('t') }, bigint: { id: 10n }, cycle: self, fnTop: () => 1 }[parameters.kind] } };`,
  'fetch-local': `module.exports = { loader: async ({ parameters }) => { try { await fetch(parameters.url); return 'fetched' } catch (e) { return e.message } } };`,
};

async function publishAll(registry: TestRegistry, components: Record<string, string>) {
  for (const [name, server] of Object.entries(components)) await publishServer(registry, name, server);
}

function renderer(registry: () => TestRegistry) {
  return async (name: string, query = '') => {
    const res = await fetch(`${registry().url}/r/component/${name}/1.0.0${query}`);
    return { status: res.status, headers: res.headers, body: await res.json() };
  };
}

describe('the vm layer: no host object is reachable', () => {
  let registry: TestRegistry;
  const render = renderer(() => registry);
  beforeAll(async () => {
    registry = await startRegistry({ timeout: 2000 });
    await publishAll(registry, escapes);
  });
  afterAll(() => registry.close());

  test('globalThis.constructor.constructor is the context’s Function, which cannot compile', async () => {
    const { status, body } = await render('global-ctor');
    expect(status).toBe(500);
    expect(body.error.message).toMatch(/Code generation from strings disallowed/);
  });

  test('this.constructor.constructor in a loader and in an action', async () => {
    expect((await render('this-ctor')).body.error.message).toMatch(/Code generation from strings disallowed/);
    const res = await fetch(`${registry.url}/r/action/this-ctor/1.0.0`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"action":"go","input":null}' });
    expect(res.status).toBe(500);
    expect((await res.json()).error.message).toMatch(/Code generation from strings disallowed/);
  });

  test('Error.prepareStackTrace cannot be installed: no CallSite of the host reaches the component', async () => {
    const { status, body } = await render('stack-trace');
    expect(status).toBe(200);
    expect(body.data).toEqual({ leaks: [], locked: true });
  });

  test('import() is refused with an error of the component’s own realm', async () => {
    const { body } = await render('dynamic-import');
    expect(body.data).toEqual({ ownRealm: true, message: expect.stringMatching(/import\(\) is not available/), escape: expect.stringMatching(/Code generation/) });
  });

  test('a stack overflow inside the bridge surfaces as an error of the component’s realm', async () => {
    const { status, body } = await render('overflow');
    expect(status).toBe(200);
    expect(body.data).toEqual({ foreign: 0 });
  });

  test('no Atomics (a wait no timeout reaches), no SharedArrayBuffer, no WebAssembly', async () => {
    expect((await render('wasm-atomics')).body.data).toEqual({ atomics: 'undefined', sab: 'undefined', wasm: 'undefined' });
  });
});

describe('the process layer: an escape lands in a process without rights', () => {
  let registry: TestRegistry;
  const render = renderer(() => registry);
  const secret = 'MIKR0_TEST_SECRET';
  beforeAll(async () => {
    process.env[secret] = 'postgres://admin:hunter2@db/registry';
    registry = await startRegistry({ dangerouslyExposeProcessForTests: true });
    await publishAll(registry, { escaped: escapes.escaped });
  });
  afterAll(async () => {
    delete process.env[secret];
    await registry.close();
  });

  test('with the real process in hand: no file writes, no reading the data folder, no spawn, no workers, no addons, no secrets', async () => {
    const target = path.join(registry.dataDir, 'pwned.txt');
    const query = new URLSearchParams({ write: target, db: path.join(registry.dataDir, 'registry.db'), data: registry.dataDir });
    const { status, body } = await render('escaped', `?${query}`);
    expect(body.error).toBeUndefined();
    expect(status).toBe(200);
    expect(body.data).toMatchObject({
      write: 'ERR_ACCESS_DENIED',
      readDb: 'ERR_ACCESS_DENIED',
      readData: 'ERR_ACCESS_DENIED',
      spawn: 'ERR_ACCESS_DENIED',
      worker: 'ERR_ACCESS_DENIED',
      addon: expect.stringMatching(/ERR_DLOPEN_DISABLED|ERR_ACCESS_DENIED/),
      env: [],
    });
    expect(body.data.pid).not.toBe(process.pid);
    expect(fs.existsSync(target)).toBe(false);
  });
});

describe('bulkheads: one component’s failure is its own', () => {
  let registry: TestRegistry;
  const render = renderer(() => registry);
  beforeAll(async () => {
    registry = await startRegistry({ timeout: 1500, memoryLimitMb: 96, breaker: { failures: 3, windowMs: 60_000, cooldownMs: 20_000 }, fetch: false });
    await publishAll(registry, bulkheads);
  });
  afterAll(() => registry.close());

  /** Healthy renders fired while `attack` runs: every one must succeed. */
  async function alongside(attack: Promise<unknown>, count = 12) {
    const healthy = Array.from({ length: count }, (_, i) => new Promise((r) => setTimeout(r, i * 40)).then(() => render('ok', `?n=${i}`)));
    const [results] = await Promise.all([Promise.all(healthy), attack]);
    return results.map((r) => r.status);
  }

  test.each([
    ['heap-bomb', /memory/],
    ['big-result', /memory|kB of JSON/],
    ['off-heap', /memory limit \(96 MB/],
  ])('%s → 500 naming the memory limit; healthy renders alongside all succeed', async (name, message) => {
    let attack: { status: number; body: any } | undefined;
    const statuses = await alongside(render(name).then((r) => (attack = r)));
    expect(statuses).toEqual(Array(12).fill(200));
    expect(attack!.status).toBe(500);
    expect(attack!.body.error.message).toMatch(new RegExp(`${name}@1\\.0\\.0`));
    expect(attack!.body.error.message).toMatch(message);
    expect((await render('ok')).status).toBe(200);
  });

  test('an endless microtask chain is stopped (timeout, or memory when it fills the heap first); healthy renders alongside all succeed', async () => {
    let attack: { status: number; body: any } | undefined;
    const statuses = await alongside(render('microtasks').then((r) => (attack = r)));
    expect(attack!.body.error.message).toMatch(/microtasks@1\.0\.0 .*(took longer than 1500 ms|memory)/);
    expect(statuses).toEqual(Array(12).fill(200));
  });

  test('renders queued behind a slow synchronous render are not held back by its timeout', async () => {
    // 4 × 450 ms against a 1500 ms timeout: those that finish in time get their 200, even
    // though the run after them overstays (one timed run for all four would fail them all).
    const results = await Promise.all(Array.from({ length: 4 }, () => render('slow-sync')));
    expect(results.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(2);
  });

  test('an interval left by a loader dies with its job: after the 504 the sandbox goes idle', async () => {
    expect((await render('left-interval', '?mode=start')).status).toBe(504);
    const first = (await render('left-interval', '?mode=read')).body.data;
    const cpuBefore = sandboxCpuMs();
    await new Promise((r) => setTimeout(r, 500));
    const cpuAfter = sandboxCpuMs();
    expect((await render('left-interval', '?mode=read')).body.data).toBe(first);
    // An interval spinning 20 ms of every 21 would burn ~480 ms of CPU in that half second.
    expect(cpuAfter - cpuBefore).toBeLessThan(150);
  });

  test('a component hammered with endless loops is cut off (fast 503, Retry-After, its own code); others keep rendering', async () => {
    const attack = Promise.all(Array.from({ length: 6 }, () => render('spin')));
    const statuses = await alongside(attack);
    expect(statuses).toEqual(Array(12).fill(200));
    const spun = await attack;
    expect(spun.map((r) => r.status)).toContain(504);
    const started = Date.now();
    const cut = await render('spin');
    expect(Date.now() - started).toBeLessThan(200);
    expect(cut.status).toBe(503);
    expect(cut.body.error.code).toBe('SUSPENDED');
    expect(cut.body.error.message).toMatch(/spin@1\.0\.0 is cut off for \d+ s/);
    expect(Number(cut.headers.get('retry-after'))).toBeGreaterThan(0);
    const metrics = await (await fetch(`${registry.url}/metrics`)).text();
    expect(metrics).toMatch(/mikr0_sandbox_timeouts_total\{component="spin@1\.0\.0"\} [3-9]/);
    expect(metrics).toMatch(/mikr0_sandbox_cutoffs_total\{component="spin@1\.0\.0"\} 1/);
    expect(metrics).toMatch(/mikr0_sandbox_memory_kills_total\{component="off-heap@1\.0\.0"\} 1/);
    expect((await render('ok')).status).toBe(200);
  });

  test.each([
    ['fn', /data\.fn is a function/],
    ['symbol', /data\.tag is a symbol/],
    ['bigint', /data\.id is a bigint/],
    ['cycle', /circular/],
    ['fnTop', /data is a function/],
  ])('a result that is not JSON (%s) → 500 naming the type; a batch with it stays valid JSON', async (kind, message) => {
    const { status, body } = await render('results', `?kind=${kind}`);
    expect(status).toBe(500);
    expect(body.error.message).toMatch(message);
    const batch = await fetch(`${registry.url}/r/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ components: [{ name: 'ok' }, { name: 'results', parameters: { kind } }] }),
    });
    const items = JSON.parse(await batch.text());
    expect(items.map((i: any) => i.status)).toEqual([200, 500]);
  });

  test('fetch: false turns outbound fetch off with a clear error', async () => {
    expect((await render('fetch-local', `?url=${encodeURIComponent(registry.url)}`)).body.data).toMatch(/fetch is disabled/);
  });
});

describe('outbound fetch policy', () => {
  let registry: TestRegistry;
  const render = renderer(() => registry);
  beforeAll(async () => {
    registry = await startRegistry();
    await publishAll(registry, { 'fetch-local': bulkheads['fetch-local'] });
  });
  afterAll(() => registry.close());

  test.each([['127.0.0.1'], ['localhost'], ['169.254.169.254'], ['10.0.0.1'], ['[::1]']])('by default the registry’s own network (%s) is refused', async (host) => {
    const port = new URL(registry.url).port;
    const { status, body } = await render('fetch-local', `?url=${encodeURIComponent(`http://${host}:${port}/health`)}`);
    expect(status).toBe(200);
    expect(body.data).toMatch(/refused/);
  });
});

/** CPU time (user + system) of this process's child processes: the sandbox processes. */
function sandboxCpuMs(): number {
  const children = fs.readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  let ticks = 0;
  for (const pid of children) {
    try {
      const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // Exited meanwhile.
    }
  }
  return ticks * 10;
}
