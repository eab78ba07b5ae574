import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { publishServer, startRegistry, type TestRegistry } from '../helpers.js';

let registry: TestRegistry;
const render = async (name: string, query = '') => {
  const res = await fetch(`${registry.url}/r/component/${name}/1.0.0${query}`);
  return { status: res.status, body: await res.json() };
};

const components: Record<string, string> = {
  ok: `module.exports = { loader: ({ parameters }) => ({ ok: true, parameters }) };`,
  fs: `module.exports = { loader: () => require('fs').readFileSync('/etc/passwd', 'utf8') };`,
  'node-fs': `module.exports = { loader: () => require('node:fs').readdirSync('/') };`,
  'child-process': `module.exports = { loader: () => require('child_process').execSync('id').toString() };`,
  relative: `module.exports = { loader: () => require('../../registry.db') };`,
  eval: `module.exports = { loader: () => eval('1 + 1') };`,
  'new-function': `module.exports = { loader: () => new Function('return 1')() };`,
  'exit': `module.exports = { loader: () => { process.exit(1); return 'still here'; } };`,
  'host-function': `module.exports = { loader: ({ headers }) => headers.constructor.constructor('return process')().pid };`,
  'host-timer': `module.exports = { loader: () => setTimeout.constructor.constructor('return process')().pid };`,
  'host-require': `module.exports = { loader: () => require.constructor('return process')().pid };`,
  'sync-loop': `module.exports = { loader: () => { while (true) {} } };`,
  'async-loop': `module.exports = { loader: async () => { await new Promise((r) => setTimeout(r, 5)); while (true) {} } };`,
  'init-loop': `while (true) {} module.exports = {};`,
  slow: `module.exports = { loader: () => new Promise((r) => setTimeout(() => r('late'), 5000)) };`,
  throws: `module.exports = { loader: () => { throw new Error('secret detail'); } };`,
  'bad-syntax': `module.exports = { loader: ( };`,
  'not-json': `module.exports = { loader: () => { const a = {}; a.self = a; return a; } };`,
  'stray-rejection': `module.exports = { loader: () => { Promise.reject(new Error('stray')); setTimeout(() => { throw new Error('late throw'); }, 1); return 'fine'; } };`,
  crypto: `module.exports = { loader: () => [require('crypto').createHash('sha256').update('a').digest('hex').slice(0, 8), require('node:crypto').createHash('sha256').update('a').digest('hex').slice(0, 8)] };`,
  plugins: `module.exports = { loader: async ({ plugins }) => ({ user: await plugins.getUser(7), double: await plugins.double(21) }) };`,
  'missing-plugin': `module.exports = { loader: async ({ plugins }) => plugins.getWeather('Oslo') };`,
  'plugin-fails': `module.exports = { loader: async ({ plugins }) => plugins.broken() };`,
  'user-error': `const e = new Error('"id" must be positive'); e[Symbol.for('mikr0.error')] = true; e.status = 422; e.code = 'VALIDATION_ERROR'; e.details = [{ path: 'id', message: 'must be positive' }];
module.exports = { loader: () => { throw e; } };`,
  timers: `module.exports = { loader: () => new Promise((resolve) => { let n = 0; const id = setInterval(() => { if (++n === 3) { clearInterval(id); resolve(n); } }, 1); }) };`,
  globals: `module.exports = { loader: () => ({ buffer: typeof Buffer, proc: Object.keys(process), env: process.env.NODE_ENV, req: typeof require, glob: typeof global }) };`,
  fetch: `module.exports = { loader: async ({ parameters }) => { const r = await fetch(parameters.url); return { status: r.status, ok: r.ok, type: r.headers.get('content-type'), body: await r.json() }; } };`,
  console: `module.exports = { loader: () => { console.log('hello from', { the: 'loader' }); console.error(new Error('logged')); return 1; } };`,
  'render-html': `module.exports = { loader: () => ({ n: 2 }), render: (data) => '<b>' + data.n + '</b>' };`,
};

beforeAll(async () => {
  registry = await startRegistry({
    timeout: 400,
    dependencies: ['crypto'],
    // The registry's own address: loopback, refused unless listed.
    fetch: { allow: ['127.0.0.1'] },
    plugins: {
      getUser: async (id: number) => ({ id, name: 'Ann' }),
      double: (n: number) => n * 2,
      broken: () => {
        throw new Error('plugin exploded');
      },
    },
  });
  for (const [name, server] of Object.entries(components)) await publishServer(registry, name, server);
});
afterAll(() => registry.close());

describe('require is limited to the allow-list', () => {
  test.each([['fs'], ['node-fs'], ['child-process']])('%s → 500 DEPENDENCY_NOT_ALLOWED', async (name) => {
    const { status, body } = await render(name);
    expect(status).toBe(500);
    expect(body.error.code).toBe('DEPENDENCY_NOT_ALLOWED');
    expect(body.error.message).toMatch(/not in this registry's dependencies allow-list/);
  });

  test('relative requires are refused', async () => {
    const { status, body } = await render('relative');
    expect(status).toBe(500);
    expect(body.error.message).toMatch(/relative and absolute requires/);
  });

  test('an allow-listed built-in works with and without node:', async () => {
    const { status, body } = await render('crypto');
    expect(status).toBe(200);
    expect(body.data).toEqual(['ca978112', 'ca978112']);
  });
});

describe('no code generation, no host escape', () => {
  test.each([['eval'], ['new-function'], ['host-function'], ['host-timer'], ['host-require']])('%s → 500, no code runs', async (name) => {
    const { status, body } = await render(name);
    expect(status).toBe(500);
    expect(body.error.message).toMatch(/Code generation from strings disallowed/);
  });

  test('process.exit does not exist; the registry lives on', async () => {
    const { status, body } = await render('exit');
    expect(status).toBe(500);
    expect(body.error.message).toMatch(/process\.exit is not a function/);
    expect((await render('ok')).status).toBe(200);
  });

  test('the sandbox has only safe globals', async () => {
    const { body } = await render('globals');
    expect(body.data).toEqual({ buffer: 'undefined', proc: ['env', 'nextTick'], env: 'production', req: 'function', glob: 'object' });
  });
});

describe('timeouts really stop the work', () => {
  test.each([['sync-loop'], ['async-loop'], ['init-loop']])('%s → 504, then the next request is served', async (name) => {
    const started = Date.now();
    const stuck = render(name);
    // A request that arrives while the worker is stuck is served once it is replaced.
    const meanwhile = render('ok', '?during=1');
    const { status, body } = await stuck;
    expect(status).toBe(504);
    expect(body.error.code).toBe('TIMEOUT');
    expect(body.error.message).toMatch(/400 ms/);
    expect((await meanwhile).status).toBe(200);
    const after = await render('ok', '?after=1');
    expect(after.status).toBe(200);
    expect(after.body.data.parameters).toEqual({ after: '1' });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test('a slow async loader times out without restarting the worker', async () => {
    const restartsBefore = await restarts();
    expect((await render('slow')).status).toBe(504);
    expect((await render('ok')).status).toBe(200);
    expect(await restarts()).toBe(restartsBefore);
  });
});

describe('errors are isolated per request', () => {
  test('a throwing loader → 500 envelope, message but no stack; the stack is logged', async () => {
    const { status, body } = await render('throws');
    expect(status).toBe(500);
    expect(body).toEqual({ error: { code: 'LOADER_ERROR', message: 'Loader of throws@1.0.0 failed: secret detail' } });
    expect(registry.logger.lines.join('\n')).toMatch(/secret detail\n\s+at loader \(mikr0:\/\/throws@1\.0\.0\/server\.cjs/);
  });

  test('server code that does not compile → 500, others unaffected', async () => {
    const { status, body } = await render('bad-syntax');
    expect(status).toBe(500);
    expect(body.error.message).toMatch(/failed to load/);
    expect((await render('ok')).status).toBe(200);
  });

  test('data that is not JSON-serialisable → 500', async () => {
    const { status, body } = await render('not-json');
    expect(status).toBe(500);
    expect(body.error.message).toMatch(/circular/i);
  });

  test('stray rejections and throws in timers do not crash the sandbox', async () => {
    const restartsBefore = await restarts();
    expect((await render('stray-rejection')).body.data).toBe('fine');
    await new Promise((r) => setTimeout(r, 50));
    expect((await render('ok')).status).toBe(200);
    expect(await restarts()).toBe(restartsBefore);
  });

  test('a branded 4xx error from a loader keeps its status, code and details', async () => {
    const { status, body } = await render('user-error');
    expect(status).toBe(422);
    expect(body.error).toEqual({ code: 'VALIDATION_ERROR', message: '"id" must be positive', details: [{ path: 'id', message: 'must be positive' }] });
  });
});

describe('what server code may use', () => {
  test('registry plugins, sync or async, reached by await', async () => {
    const { status, body } = await render('plugins');
    expect(status).toBe(200);
    expect(body.data).toEqual({ user: { id: 7, name: 'Ann' }, double: 42 });
  });

  test('a plugin the registry lacks → 500 PLUGIN_MISSING naming it', async () => {
    const { status, body } = await render('missing-plugin');
    expect(status).toBe(500);
    expect(body.error.code).toBe('PLUGIN_MISSING');
    expect(body.error.message).toMatch(/does not provide the plugin "getWeather"/);
  });

  test('a plugin that throws → 500 with its message', async () => {
    const { status, body } = await render('plugin-fails');
    expect(status).toBe(500);
    expect(body.error.message).toMatch(/plugin exploded/);
  });

  test('timers', async () => {
    expect((await render('timers')).body.data).toBe(3);
  });

  test('fetch, with a plain response object', async () => {
    const { status, body } = await render('fetch', `?url=${encodeURIComponent(`${registry.url}/health`)}`);
    expect(status).toBe(200);
    expect(body.data).toMatchObject({ status: 200, ok: true, type: expect.stringMatching(/json/), body: { status: 'ok' } });
  });

  test('console goes to the registry log, labelled', async () => {
    expect((await render('console')).status).toBe(200);
    const log = registry.logger.lines.join('\n');
    expect(log).toMatch(/\[console@1\.0\.0\] hello from {"the":"loader"}/);
    expect(log).toMatch(/\[console@1\.0\.0\] Error: logged/);
  });

  test('render(data) gives the payload its html', async () => {
    expect((await render('render-html')).body).toMatchObject({ data: { n: 2 }, html: '<b>2</b>' });
  });
});

describe('module cache', () => {
  test('compiled once per version, then hits', async () => {
    const before = await cacheCounters();
    for (let i = 0; i < 5; i++) await render('ok');
    const after = await cacheCounters();
    expect(after.hits - before.hits).toBe(5);
    expect(after.misses - before.misses).toBe(0);
  });
});

async function metricsText() {
  return (await fetch(`${registry.url}/metrics`)).text();
}
async function restarts() {
  return Number(/mikr0_sandbox_restarts_total (\d+)/.exec(await metricsText())![1]);
}
async function cacheCounters() {
  const text = await metricsText();
  return {
    hits: Number(/mikr0_module_cache_hits_total (\d+)/.exec(text)![1]),
    misses: Number(/mikr0_module_cache_misses_total (\d+)/.exec(text)![1]),
  };
}
