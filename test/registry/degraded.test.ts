/**
 * A replica whose dependency goes away, for real: PostgreSQL stopped and started again
 * (test/metadata/postgres-server.ts `halt`/`resume`), an S3 emulator stopped
 * (test/storage/emulators.ts). What it already resolved keeps rendering, writes get 503
 * naming the database, /health says why and turns 200 again by itself, nothing crashes.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { createRegistry, memoryDriver, postgresBackend, type Registry, type RegistryOptions, type StorageDriver } from '../../registry-lite/index.js';
import { memoryLogger, publish, tempDir } from '../helpers.js';
import { startPostgres, type PostgresServer } from '../metadata/postgres-server.js';
import { S3RVER_CREDENTIALS, startS3rver } from '../storage/emulators.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Anything the pg pool, the LISTEN client or the SDKs let escape would be a crash in production. */
const escaped: unknown[] = [];
const keep = (error: unknown) => void escaped.push(error);
beforeAll(() => {
  process.on('unhandledRejection', keep);
  process.on('uncaughtException', keep);
});
afterAll(() => {
  process.off('unhandledRejection', keep);
  process.off('uncaughtException', keep);
});

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  expect(escaped).toEqual([]);
});

async function start(options: RegistryOptions) {
  const logger = memoryLogger();
  const registry: Registry = createRegistry({ workers: 1, ui: false, logger, ...options });
  cleanups.push(() => registry.close());
  const { url } = await registry.listen(0);
  const { token } = await registry.tokens.create(['publish', 'admin'], 'tests');
  const get = (path: string) => fetch(`${url}${path}`);
  const health = async () => {
    const res = await get('/health');
    return { status: res.status, body: await res.json() };
  };
  return { registry, url, token, logger, get, health };
}

describe('PostgreSQL goes away and comes back', () => {
  let pg: PostgresServer;
  beforeAll(async () => {
    pg = await startPostgres();
  }, 60_000);
  afterAll(() => pg?.stop());

  let dir: string;
  beforeEach(async () => {
    dir = await tempDir('mikr0-degraded-');
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
  });

  test('the warm render path asks the database nothing: 500 renders of resolved versions, exact and 1.x, no backend call', async () => {
    const db = await pg.createDatabase();
    cleanups.push(db.drop);
    // The real PostgreSQL backend, each data call counted on its way in.
    const backend = postgresBackend({ connectionString: db.url, poolSize: 2 });
    const calls: string[] = [];
    const counted = new Proxy(backend, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver);
        if (typeof value !== 'function' || ['watch', 'close', 'ping', 'ready'].includes(String(key))) return value;
        return (...args: unknown[]) => (calls.push(String(key)), value.apply(target, args));
      },
    });
    const { url, token, get } = await start({ database: counted, storage: memoryDriver() });
    expect((await publish({ url, token }, 'hello')).status).toBe(201);
    for (const range of ['1.0.0', '1.x']) expect((await get(`/r/component/hello/${range}?name=warm`)).status).toBe(200);
    calls.length = 0;
    for (let i = 0; i < 250; i++) {
      for (const range of ['1.0.0', '1.x']) {
        const res = await get(`/r/component/hello/${range}?name=n${i}`);
        expect(res.status).toBe(200);
        await res.arrayBuffer();
      }
    }
    expect(calls).toEqual([]);
  });

  test('warm versions keep rendering, writes get 503 naming the database, /health says why; all well again once it is back', async () => {
    const db = await pg.createDatabase();
    cleanups.push(db.drop);
    const { url, token, logger, get, health } = await start({
      database: { type: 'postgres', options: { connectionString: db.url, poolSize: 3 } },
      storage: { type: 'filesystem', options: { folder: join(dir, 'bundles') } },
    });
    expect((await publish({ url, token }, 'hello')).status).toBe(201);
    expect((await publish({ url, token }, 'hello', { version: '1.1.0' })).status).toBe(201);
    const render = async (range: string) => {
      const res = await get(`/r/component/hello/${range}?name=Ann`);
      return { status: res.status, version: (await res.json()).version };
    };
    // Warm: resolved (exact and range), compiled, its client file served once.
    expect(await render('1.0.0')).toEqual({ status: 200, version: '1.0.0' });
    expect(await render('1.x')).toEqual({ status: 200, version: '1.1.0' });
    expect((await get('/r/static/hello/1.1.0/template.js')).status).toBe(200);
    expect(await health()).toEqual({ status: 200, body: { status: 'ok', checks: { database: 'ok', storage: 'ok' } } });

    await pg.halt();
    const down = await health();
    expect(down.status).toBe(503);
    expect(down.body.status).toBe('unavailable');
    expect(down.body.checks.storage).toBe('ok');
    expect(down.body.checks.database).toMatch(/^failed: cannot reach PostgreSQL at 127\.0\.0\.1:\d+ \(database\.options\.connectionString\): [^\n]+$/);

    expect(await render('1.0.0')).toEqual({ status: 200, version: '1.0.0' });
    expect(await render('1.x')).toEqual({ status: 200, version: '1.1.0' });
    expect((await get('/r/static/hello/1.1.0/template.js')).status).toBe(200);

    const unavailable = /^The registry's database is unavailable: cannot reach PostgreSQL at 127\.0\.0\.1:\d+ \(database\.options\.connectionString\)/;
    const refused = await publish({ url, token }, 'hello', { version: '1.2.0' });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    const { error } = await refused.json();
    expect(error.code).toBe('UNAVAILABLE');
    expect(error.message).toMatch(unavailable);
    expect(error.message).not.toMatch(/admin-secret|\n/);
    const deprecation = await fetch(`${url}/r/components/hello/1.0.0`, {
      method: 'PATCH',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ deprecated: 'old' }),
    });
    expect(deprecation.status).toBe(503);
    expect((await deprecation.json()).error.message).toMatch(unavailable);
    // A version never resolved here cannot be told apart from a missing one: 503, not a wrong 404.
    expect((await get('/r/component/hello/0.9.0')).status).toBe(503);
    expect(logger.lines.filter((line) => line.includes("The registry's database is unavailable")).length).toBeGreaterThan(0);
    expect(logger.lines.join('\n')).not.toMatch(/Internal error|\n\s+at /);

    await pg.resume();
    const since = Date.now();
    while ((await health()).status !== 200 && Date.now() - since < 15_000) await sleep(100);
    expect(await health()).toEqual({ status: 200, body: { status: 'ok', checks: { database: 'ok', storage: 'ok' } } });
    expect((await publish({ url, token }, 'hello', { version: '1.2.0' })).status).toBe(201);
    expect(await render('1.x')).toEqual({ status: 200, version: '1.2.0' });
    expect(await render('1.0.0')).toEqual({ status: 200, version: '1.0.0' });
  });
});

describe('the storage goes away', () => {
  test('S3 stopped: warm renders and hot client files still 200, /health names the storage', async () => {
    const s3rver = await startS3rver();
    let stopped = false;
    cleanups.push(() => (stopped ? Promise.resolve() : s3rver.stop()));
    const s3 = new S3Client({ region: 'us-east-1', endpoint: s3rver.url, forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
    await s3.send(new CreateBucketCommand({ Bucket: 'bundles' }));
    s3.destroy();
    const { url, token, get, health } = await start({
      database: { type: 'memory' },
      storage: { type: 's3', options: { bucket: 'bundles', region: 'us-east-1', endpoint: s3rver.url, forcePathStyle: true, credentials: S3RVER_CREDENTIALS } },
    });
    expect((await publish({ url, token }, 'hello')).status).toBe(201);
    expect((await get('/r/component/hello/1.x?name=Ann')).status).toBe(200);
    expect((await get('/r/static/hello/1.0.0/template.js')).status).toBe(200);

    await s3rver.stop();
    stopped = true;
    const rendered = await get('/r/component/hello/1.x?name=Bob');
    expect(rendered.status).toBe(200);
    expect((await rendered.json()).data.greeting).toBe('Hello, Bob!');
    expect((await get('/r/static/hello/1.0.0/template.js')).status).toBe(200);
    const down = await health();
    expect(down.status).toBe(503);
    expect(down.body.checks).toEqual({ database: 'ok', storage: expect.stringMatching(/^failed: cannot reach S3 at http:\/\/127\.0\.0\.1:\d+ \(storage\.options\.endpoint\)$/) });
    // A write, or a client file never served here: 503 naming the storage, not a 500 "Internal error".
    const refused = await publish({ url, token }, 'hello', { version: '1.1.0' });
    expect(refused.status).toBe(503);
    expect((await refused.json()).error).toEqual({ code: 'UNAVAILABLE', message: expect.stringMatching(/^The registry's storage \(s3\) is unavailable: [^\n]+$/) });
    const cold = await get('/r/static/hello/1.0.0/style.css');
    expect(cold.status).toBe(503);
  });

  test('a code-cache write that fails never fails a render', async () => {
    const inner = memoryDriver();
    const failing: StorageDriver = {
      ...inner,
      name: 'failing-cache',
      async setItemRaw(key, value) {
        if (key.startsWith('_v8-cache/')) throw new Error('bucket refuses writes');
        return inner.setItemRaw(key, value);
      },
    };
    const { url, token, get, logger } = await start({ database: { type: 'memory' }, storage: failing });
    expect((await publish({ url, token }, 'hello')).status).toBe(201);
    for (let i = 0; i < 3; i++) expect((await get(`/r/component/hello/1.0.0?name=N${i}`)).status).toBe(200);
    const since = Date.now();
    while (!logger.lines.some((line) => line.includes('bucket refuses writes')) && Date.now() - since < 5000) await sleep(20);
    expect(logger.lines.join('\n')).toMatch(/could not store the code cache of hello@1\.0\.0: The registry's storage \(failing-cache\) is unavailable: bucket refuses writes/);
  });
});
