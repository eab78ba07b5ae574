/**
 * What the PostgreSQL schema itself guarantees (postgres-schema.ts): migrations applied once
 * under concurrent starts, an older database upgraded with its rows, a newer one refused, an
 * audit log no SQL can rewrite, and text that cannot hold NUL. On a real PostgreSQL
 * (postgres-server.ts), a fresh database per test.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { postgresBackend, type PostgresBackend } from '../../registry-lite/metadata/postgres.js';
import { SCHEMA_VERSION } from '../../registry-lite/metadata/postgres-schema.js';
import type { MetadataChange } from '../../registry-lite/metadata/types.js';
import { version } from './fixtures.js';
import { startPostgres, type PostgresServer } from './postgres-server.js';

let server: PostgresServer;
beforeAll(async () => {
  server = await startPostgres();
}, 60_000);
afterAll(() => server?.stop());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('postgres schema', () => {
  let env: { db: { name: string; url: string }; open(): PostgresBackend; done(): Promise<void> };
  beforeEach(async () => {
    const db = await server.createDatabase();
    const opened: PostgresBackend[] = [];
    env = {
      db,
      open() {
        const backend = postgresBackend({ connectionString: db.url, poolSize: 4 });
        opened.push(backend);
        return backend;
      },
      async done() {
        for (const backend of opened) await backend.close().catch(() => {});
        await db.drop();
      },
    };
  });
  afterEach(() => env.done());

  test('6 instances opening one fresh database at once all start, and each migration runs once', async () => {
    const backends = Array.from({ length: 6 }, () => env.open());
    await Promise.all(backends.map((backend) => backend.ready()));
    const applied = await server.query('SELECT version FROM schema_migrations ORDER BY version', [], env.db.name);
    expect(applied.map((row) => row.version)).toEqual(Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1));
    const tables = await server.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`, [], env.db.name);
    expect(tables.map((row) => row.tablename)).toEqual(['audit', 'components', 'schema_migrations', 'tokens', 'usage']);
    // Opened again, an up-to-date database is left as it is.
    await env.open().ready();
    expect(await server.query('SELECT count(*)::int AS n FROM schema_migrations', [], env.db.name)).toEqual([{ n: SCHEMA_VERSION }]);
  });

  test('a database of schema 1 (before unpublish, scoped tokens, audit and usage) is upgraded in place, its rows kept', async () => {
    await env.open().ready();
    // Back to schema 1: what migration 2 added, taken away again.
    await server.query(
      `DROP TABLE audit, usage; DROP FUNCTION mikr0_audit_append_only();
       ALTER TABLE components DROP COLUMN unpublished_at; ALTER TABLE tokens DROP COLUMN names, DROP COLUMN expires_at;
       DELETE FROM schema_migrations WHERE version > 1;
       INSERT INTO components (name, version, manifest, storage_prefix, published_at) VALUES ('old', '1.0.0', '{}', 'old/1.0.0/x', 5);
       INSERT INTO tokens (id, hash, label, scopes, created_at) VALUES ('abcdefabcdef', 'ff', 'ci', 'publish', 1);`,
      [],
      env.db.name,
    );
    const [a, b] = [env.open(), env.open()];
    const seen: MetadataChange[] = [];
    a.watch((change) => seen.push(change));
    await Promise.all([a.ready(), b.ready()]);
    expect(await server.query('SELECT max(version) AS v FROM schema_migrations', [], env.db.name)).toEqual([{ v: SCHEMA_VERSION }]);
    expect(await a.getVersion('old', '1.0.0')).toMatchObject({ publishedAt: 5, deprecated: null, unpublishedAt: null });
    expect(await a.listVersions('old')).toEqual([{ version: '1.0.0', deprecated: false, unpublished: false, publishedAt: 5 }]);
    expect(await a.getToken('abcdefabcdef')).toMatchObject({ scopes: ['publish'], names: null, expiresAt: null });
    expect(await b.unpublishVersion('old', '1.0.0', 7)).toBe(true);
    const since = Date.now();
    while (seen.length === 0 && Date.now() - since < 1000) await sleep(10);
    expect(seen).toEqual([{ name: 'old', version: '1.0.0' }]);
  });

  test('a database from a newer mikr0 is refused with a message naming the fix', async () => {
    await env.open().ready();
    await server.query('INSERT INTO schema_migrations (version) VALUES ($1)', [SCHEMA_VERSION + 1], env.db.name);
    await expect(env.open().ready()).rejects.toThrow(/newer than this mikr0.*Upgrade vite-plugin-mikr0/);
  });

  test('the audit log is append-only in the database itself: a raw UPDATE, DELETE or TRUNCATE is refused', async () => {
    const backend = env.open();
    await backend.appendAudit({ at: 1, action: 'publish', actor: 'ci', tokenId: null, address: 'local', requestId: null, name: 'x', version: '1.0.0', detail: null });
    for (const statement of ["UPDATE audit SET actor = 'someone else'", 'DELETE FROM audit', 'DELETE FROM audit WHERE false', 'TRUNCATE audit']) {
      await expect(server.query(statement, [], env.db.name), statement).rejects.toThrow(/the audit log is append-only/);
    }
    expect(await server.query('SELECT actor FROM audit', [], env.db.name)).toEqual([{ actor: 'ci' }]);
    // Adding is what it is for; the id is the database's own.
    await server.query(`INSERT INTO audit (at, action, actor, address) VALUES (2, 'publish', 'sql', 'local')`, [], env.db.name);
    await expect(server.query(`INSERT INTO audit (id, at, action, actor, address) VALUES (99, 3, 'publish', 'sql', 'local')`, [], env.db.name)).rejects.toThrow(/cannot insert a non-DEFAULT value into column "id"/);
    expect((await backend.listAudit({ limit: 10 })).map((e) => e.actor)).toEqual(['sql', 'ci']);
  });

  test('a NUL, which PostgreSQL text cannot hold: reads find nothing, an audit entry keeps the rest', async () => {
    const backend = env.open();
    await backend.insertVersion(version('nul', '1.0.0'));
    expect(await backend.unpublishVersion('nul\0', '1.0.0', 1)).toBe(false);
    expect(await backend.listAudit({ name: 'a\0', limit: 10 })).toEqual([]);
    expect(await backend.getUsage('a\0', '0000-01-01')).toEqual([]);
    await backend.addUsage([{ name: 'a\0', version: '1.0.0', day: '2026-01-01', renders: 1, actions: 0, lastRenderedAt: null }]);
    await backend.appendAudit({ at: 1, action: 'auth.failure', actor: 'unknown', tokenId: null, address: '::1', requestId: null, name: null, version: null, detail: 'bad\0token' });
    expect((await backend.listAudit({ limit: 1 }))[0].detail).toBe('bad\uFFFDtoken');
  });
});
