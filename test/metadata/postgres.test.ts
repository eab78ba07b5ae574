/**
 * The PostgreSQL metadata backend on a real PostgreSQL (postgres-server.ts: one server for this
 * file, a fresh database per test): the shared conformance suite, then what only a database
 * that replicas share has to prove: publish races, change notifications between instances
 * (and after a lost connection), one-line connection errors. The schema's own guarantees
 * (migrations, upgrades, the append-only audit log) are postgres-schema.test.ts's.
 */
import { spawn } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { createRegistry, type Registry, type RegistryOptions } from '../../registry-lite/index.js';
import { describeDatabase, databaseFromUrl, resolveDatabase } from '../../registry-lite/metadata/open.js';
import { postgresBackend, type PostgresBackend } from '../../registry-lite/metadata/postgres.js';
import { PG_MISSING } from '../../registry-lite/metadata/postgres-schema.js';
import type { MetadataChange } from '../../registry-lite/metadata/types.js';
import { memoryLogger, publish, root, tempDir } from '../helpers.js';
import { describeMetadataBackend, version } from './conformance.js';
import { startPostgres, type PostgresServer } from './postgres-server.js';

let server: PostgresServer;
beforeAll(async () => {
  server = await startPostgres();
}, 60_000);
afterAll(() => server?.stop());

/** A fresh database and the backends opened on it, all closed (and the database dropped) by `done()`. */
async function fresh(options: { watchCheckMs?: number; connectTimeoutMs?: number } = {}) {
  const db = await server.createDatabase();
  const opened: PostgresBackend[] = [];
  const open = () => {
    const backend = postgresBackend({ connectionString: db.url, poolSize: 4, ...options });
    opened.push(backend);
    return backend;
  };
  return {
    db,
    open,
    async done() {
      for (const backend of opened) await backend.close().catch(() => {});
      await db.drop();
    },
  };
}

describeMetadataBackend('postgres', async () => {
  const { open, done } = await fresh();
  const backend = open();
  return {
    backend,
    another: open,
    async reopen() {
      await backend.close();
      return open();
    },
    cleanup: done,
  };
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('postgres backend', () => {
  let env: Awaited<ReturnType<typeof fresh>>;
  beforeEach(async () => {
    env = await fresh({ watchCheckMs: 200 });
  });
  afterEach(() => env.done());

  test('racing inserts of one version from 4 instances: exactly one of 40 wins', async () => {
    const backends = Array.from({ length: 4 }, () => env.open());
    await Promise.all(backends.map((backend) => backend.ready()));
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => backends[i % 4].insertVersion(version('race', '1.0.0', { prefix: `race/${i}` }))),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect((await backends[0].getVersion('race', '1.0.0'))?.prefix).toBe(`race/${results.indexOf(true)}`);
  });

  test('watch: another instance\'s publish and deprecation arrive in under a second; its own writes, tokens and touches do not', async () => {
    const [a, b] = [env.open(), env.open()];
    const seen: { change: MetadataChange; at: number }[] = [];
    b.watch((change) => seen.push({ change, at: Date.now() }));
    await Promise.all([a.ready(), b.ready()]);
    await b.insertVersion(version('mine', '1.0.0'));

    const started = Date.now();
    await a.insertVersion(version('shared', '1.0.0'));
    const committed = Date.now();
    while (seen.length === 0 && Date.now() - started < 1000) await sleep(2);
    expect(seen.map((s) => s.change)).toEqual([{ name: 'shared', version: '1.0.0' }]);
    const delay = seen[0].at - committed;
    expect(delay).toBeLessThan(1000);
    console.log(`postgres: a publish reached the other instance's watch ${seen[0].at - started} ms after insertVersion began (${delay} ms after it returned)`);

    await a.setDeprecated('shared', '1.0.0', 'old');
    await a.replaceManifest('shared', '1.0.0', version('shared', '1.0.0').manifest);
    await a.insertToken({ id: 'abcdefabcdef', hash: '0'.repeat(64), label: '', scopes: ['publish'], names: null, createdAt: 1, lastUsedAt: null, expiresAt: null, revokedAt: null });
    await a.touchToken('abcdefabcdef', 2);
    await a.revokeToken('abcdefabcdef', 3);
    // Behind every backend's back (psql, a script): no origin, so every instance hears of it.
    await server.query(`UPDATE components SET description = 'edited' WHERE name = 'mine'`, [], env.db.name);
    await sleep(300);
    expect(seen.slice(1).map((s) => s.change)).toEqual([
      { name: 'shared', version: '1.0.0' },
      { name: 'shared', version: '1.0.0' },
      { name: 'mine', version: '1.0.0' },
    ]);
  });

  test('a token revocation is announced on mikr0_changes (for caches of tokens to come)', async () => {
    const listener = new pg.Client({ connectionString: env.db.url });
    listener.on('error', () => {});
    const payloads: unknown[] = [];
    listener.on('notification', (message) => payloads.push(JSON.parse(message.payload ?? 'null')));
    const backend = env.open();
    await backend.ready();
    await listener.connect();
    try {
      await listener.query('LISTEN mikr0_changes');
      await backend.insertToken({ id: 'abcdefabcdef', hash: '0'.repeat(64), label: '', scopes: ['publish'], names: null, createdAt: 1, lastUsedAt: null, expiresAt: null, revokedAt: null });
      await backend.touchToken('abcdefabcdef', 2);
      expect(await backend.revokeToken('abcdefabcdef', 3)).toBe(true);
      await sleep(200);
      expect(payloads).toEqual([{ token: 'abcdefabcdef', origin: expect.stringMatching(/^[0-9a-f]{16}$/) }]);
    } finally {
      await listener.end();
    }
  });

  test('a LISTEN connection killed from SQL comes back: `{}` once, then changes as before; the pool survives the same', async () => {
    const [a, b] = [env.open(), env.open()];
    const seen: MetadataChange[] = [];
    b.watch((change) => seen.push(change));
    await Promise.all([a.ready(), b.ready()]);
    await a.insertVersion(version('before', '1.0.0'));
    await sleep(200);
    expect(seen).toEqual([{ name: 'before', version: '1.0.0' }]);

    const terminate = (who: string) =>
      server.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = $2`,
        [env.db.name, who],
        env.db.name,
      );
    expect(await terminate('mikr0 registry (listen)')).toHaveLength(1);
    const start = Date.now();
    while (seen.length < 2 && Date.now() - start < 3000) await sleep(10);
    expect(seen).toEqual([{ name: 'before', version: '1.0.0' }, {}]);
    await a.insertVersion(version('after', '1.0.0'));
    await sleep(300);
    expect(seen).toEqual([{ name: 'before', version: '1.0.0' }, {}, { name: 'after', version: '1.0.0' }]);

    // The pools' connections too: the next queries connect again, nothing crashes.
    await terminate('mikr0 registry');
    await sleep(50);
    expect((await b.getVersion('after', '1.0.0'))?.name).toBe('after');
    await expect(a.ping()).resolves.toBeUndefined();
  });
});

describe('registries (replicas) on one PostgreSQL database', () => {
  const started: Registry[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const registry of started.splice(0)) await registry.close();
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });
  async function start(options: RegistryOptions) {
    const registry = createRegistry({ workers: 1, ui: false, logger: memoryLogger(), ...options });
    started.push(registry);
    return { registry, url: (await registry.listen(0)).url };
  }

  test('a publish and a deprecation on one replica reach the other\'s caches within a second', async () => {
    const { db, done } = await fresh();
    const dir = await tempDir('mikr0-replicas-');
    cleanups.push(done, () => rm(dir, { recursive: true, force: true }));
    const shared = {
      database: { type: 'postgres', options: { connectionString: db.url, poolSize: 3 } },
      storage: { type: 'filesystem', options: { folder: join(dir, 'bundles') } },
    } as const;
    const one = await start({ ...shared, dataDir: join(dir, 'one') });
    const two = await start({ ...shared, dataDir: join(dir, 'two') });
    const { token } = await one.registry.tokens.create(['publish'], 'tests');
    const rendered = async () => (await (await fetch(`${two.url}/r/component/hello/1.x?name=Ann`)).json()).version;

    expect((await publish({ url: one.url, token }, 'hello')).status).toBe(201);
    expect(await rendered()).toBe('1.0.0');
    expect((await publish({ url: one.url, token }, 'hello', { version: '1.1.0' })).status).toBe(201);
    let since = Date.now();
    while ((await rendered()) !== '1.1.0' && Date.now() - since < 1000) await sleep(10);
    expect(await rendered()).toBe('1.1.0');
    await one.registry.components.deprecate('hello', '1.1.0', 'broken');
    since = Date.now();
    while ((await rendered()) !== '1.0.0' && Date.now() - since < 1000) await sleep(10);
    expect(await rendered()).toBe('1.0.0');
    // A token made on one replica works on the other: tokens are read from the database every time.
    expect((await publish({ url: two.url, token }, 'hello', { version: '1.2.0' })).status).toBe(201);
    expect((await (await fetch(`${one.url}/health`)).json()).checks.database).toBe('ok');
  });

  test('a database it cannot reach stops the start, in one line (/health names it once started: test/registry/degraded.test.ts)', async () => {
    const registry = createRegistry({
      database: { type: 'postgres', options: { connectionString: 'postgres://reg:s3cret@127.0.0.1:1/meta' } },
      storage: { type: 'memory' },
      workers: 1,
      ui: false,
      logger: memoryLogger(),
    });
    try {
      await expect(registry.listen(0)).rejects.toThrow(/^cannot reach PostgreSQL at 127\.0\.0\.1:1 \(database\.options\.connectionString\): [^\n]*$/);
    } finally {
      await registry.close();
    }
  });
});

describe('postgres connection errors: one line naming what is wrong, never the password, never a hang', () => {
  let silent: Server;
  const sockets: Socket[] = [];
  let silentPort: number;
  beforeAll(async () => {
    // Accepts connections and never answers: only a timeout ends the wait.
    silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as { port: number }).port;
    await server.query(`CREATE ROLE mikr0_user LOGIN PASSWORD 'right-password'`);
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
    await server.query('DROP ROLE IF EXISTS mikr0_user');
  });

  test.each<[string, () => string, RegExp]>([
    ['a wrong password', () => server.url('postgres', { user: 'mikr0_user', password: 'wrong-password' }),
      /^PostgreSQL refused the password for user mikr0_user \(database\.options\.connectionString\)$/],
    ['a database that does not exist', () => server.url('nope', { user: 'mikr0_user', password: 'right-password' }),
      /^database "nope" does not exist on PostgreSQL at 127\.0\.0\.1:\d+ \(database\.options\.connectionString\): create it first$/],
    ['nothing listening', () => `postgres://mikr0_user:wrong-password@127.0.0.1:1/mikr0`,
      /^cannot reach PostgreSQL at 127\.0\.0\.1:1 \(database\.options\.connectionString\): .*ECONNREFUSED/],
    ['a server that never answers', () => `postgres://mikr0_user:wrong-password@127.0.0.1:${silentPort}/mikr0`,
      /^cannot reach PostgreSQL at 127\.0\.0\.1:\d+ \(database\.options\.connectionString\): .*(timeout|no answer within 500 ms)/i],
  ])('%s', async (_label, url, message) => {
    const started = Date.now();
    const backend = postgresBackend({ connectionString: url(), connectTimeoutMs: 500 });
    try {
      const error = await backend.ready().then(() => null, (e: Error) => e);
      expect(error?.message).toMatch(message);
      expect(error?.message).not.toMatch(/password@|wrong-password|right-password|\n/);
      await expect(backend.ping()).rejects.toThrow(message);
      await expect(backend.getVersion('a', '1.0.0')).rejects.toThrow(message);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await backend.close();
    }
  });

  test('a server that comes up after the first failure is used by the next call', async () => {
    const { db, open, done } = await fresh();
    try {
      const backend = postgresBackend({ connectionString: db.url.replace(`:${server.port}/`, ':1/'), connectTimeoutMs: 500 });
      await expect(backend.ready()).rejects.toThrow(/cannot reach/);
      await backend.close();
      const good = open();
      await expect(good.ping()).resolves.toBeUndefined();
    } finally {
      await done();
    }
  });
});

describe('postgres option', () => {
  const url = 'postgres://reg:s3cret@db.internal:6543/meta';
  test('forms, and what banners show (never the password)', () => {
    expect(resolveDatabase({ type: 'postgres', options: { connectionString: url } }, '/data')).toEqual({ type: 'postgres', connectionString: url });
    expect(resolveDatabase({ type: 'postgres', options: { connectionString: url, poolSize: 3 } }, '/data')).toEqual({
      type: 'postgres', connectionString: url, poolSize: 3,
    });
    expect(describeDatabase(resolveDatabase({ type: 'postgres', options: { connectionString: url } }, '/data'))).toBe('postgres db.internal:6543/meta');
    expect(describeDatabase({ type: 'postgres', connectionString: 'postgresql://localhost/x' })).toBe('postgres localhost:5432/x');
  });

  test('a postgres:// or postgresql:// string is a PostgreSQL connection string; any other string stays a SQLite file', () => {
    expect(databaseFromUrl(url)).toEqual({ type: 'postgres', options: { connectionString: url } });
    expect(databaseFromUrl('postgresql://h/db')).toEqual({ type: 'postgres', options: { connectionString: 'postgresql://h/db' } });
    expect(databaseFromUrl('data/registry.db')).toBe('data/registry.db');
    expect(resolveDatabase('postgres.db', '/data')).toMatchObject({ type: 'sqlite' });
  });

  test.each<[unknown, RegExp]>([
    [{ type: 'postgres' }, /database\.options\.connectionString must be a URL such as "postgres:\/\/user:password@localhost:5432\/mikr0", got undefined/],
    [{ type: 'postgres', options: { connectionString: 'mysql://u:pw@h/db' } }, /database\.options\.connectionString must be a URL.*got "mysql:\/\/u:pw\.\.\."/],
    [{ type: 'postgres', options: { connectionString: url, poolSize: 0 } }, /database\.options\.poolSize must be a whole number of at least 1 \(default 10\), got 0/],
    [{ type: 'postgres', options: { connectionString: url, poolSize: '5' } }, /database\.options\.poolSize must be a whole number.*got "5"/],
    [{ type: 'mysql' }, /database\.type must be "sqlite", "memory" or "postgres", got "mysql"/],
  ])('%j is a TypeError naming the option', (option, message) => {
    expect(() => resolveDatabase(option, '/data')).toThrow(TypeError);
    expect(() => resolveDatabase(option, '/data')).toThrow(message);
  });
});

/** Runs `node --input-type=module -e <code>` (with `--import` hooks when given) and resolves with its exit code and output. */
function node(code: string, imports: string[] = []): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const args = [...imports.flatMap((i) => ['--import', i]), '--input-type=module', '-e', code];
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    child.on('error', reject);
    child.on('close', (exit) => resolve({ code: exit, out }));
  });
}

describe('postgres backend in a process of its own (the built dist/)', () => {
  const dist = (file: string) => JSON.stringify(pathToFileURL(join(root, 'dist', file)).href);

  test('without pg installed, a registry starts (memory) and opening postgres fails with one line naming the fix', async () => {
    const dir = await tempDir('mikr0-nopg-');
    const hooks = join(dir, 'no-pg.mjs');
    await writeFile(hooks, `export async function resolve(specifier, context, next) {
      if (specifier === 'pg' || specifier.startsWith('pg/')) {
        throw Object.assign(new Error("Cannot find package 'pg' imported from " + context.parentURL), { code: 'ERR_MODULE_NOT_FOUND' });
      }
      return next(specifier, context);
    }`);
    const register = join(dir, 'register.mjs');
    await writeFile(register, `import { register } from 'node:module'; register(${JSON.stringify(pathToFileURL(hooks).href)});`);
    const result = await node(
      `const { createRegistry } = await import(${dist('registry-lite/index.js')});
       const { postgresBackend } = await import(${dist('registry-lite/metadata/postgres.js')});
       const registry = createRegistry({ database: { type: 'memory' }, storage: { type: 'memory' }, ui: false, logger: { info() {}, warn() {}, error() {} } });
       await registry.close();
       const backend = postgresBackend({ connectionString: 'postgres://localhost/x' });
       console.log(await backend.ready().then(() => 'opened', (error) => error.message));
       await backend.close();`,
      [pathToFileURL(register).href],
    ).finally(() => rm(dir, { recursive: true, force: true }));
    expect(result).toEqual({ code: 0, out: `${PG_MISSING}\n` });
  });

  test('a process whose only handle is a watch ends by itself', async () => {
    const { db, done } = await fresh();
    try {
      const result = await node(
        `const { postgresBackend } = await import(${dist('registry-lite/metadata/postgres.js')});
         const backend = postgresBackend({ connectionString: ${JSON.stringify(db.url)} });
         backend.watch(() => {});
         await backend.insertVersion({ name: 'x', version: '1.0.0', description: '', manifest: {}, prefix: 'x', publishedAt: 1 });`,
      );
      expect(result).toEqual({ code: 0, out: '' });
    } finally {
      await done();
    }
  });
});
