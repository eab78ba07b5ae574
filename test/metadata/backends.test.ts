import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { memoryBackend } from '../../registry-lite/metadata/memory.js';
import { sqliteBackend } from '../../registry-lite/metadata/sqlite.js';
import { SCHEMA_VERSION } from '../../registry-lite/metadata/sqlite-schema.js';
import type { MetadataBackend } from '../../registry-lite/metadata/types.js';
import { root } from '../helpers.js';
import { describeMetadataBackend, version } from './conformance.js';

const tempFolder = () => mkdtemp(join(tmpdir(), 'mikr0-metadata-'));
const Database = createRequire(import.meta.url)('better-sqlite3');

describeMetadataBackend('memory', async () => {
  const backend = memoryBackend();
  return {
    backend,
    another: () => null,
    async reopen() {
      await backend.close();
      // Nothing survives: a new memory backend starts empty.
      expect(await memoryBackend().listVersions('kept')).toEqual([]);
      return null;
    },
    cleanup: async () => {},
  };
});

describeMetadataBackend('sqlite', async () => {
  const dir = await tempFolder();
  // A folder that does not exist yet, so every test also covers "created on open".
  const file = join(dir, 'nested', 'registry.db');
  const backend = sqliteBackend({ file });
  return {
    backend,
    another: () => sqliteBackend({ file }),
    async reopen() {
      await backend.close();
      return sqliteBackend({ file });
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

/** Runs `node --input-type=module -e <code>` and resolves with its exit code and output. */
function node(code: string, args: string[] = []): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', code, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    child.on('error', reject);
    child.on('close', (exit) => resolve({ code: exit, out }));
  });
}

describe('sqlite backend', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempFolder();
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  // Registries started together on a fresh data folder all race to create the schema. Each
  // child is a real registry process (the published build) waiting for one shared instant.
  test('4 processes opening one fresh database at once all start, and the schema is applied once', async () => {
    const child = `
      const [dist, dataDir, at] = process.argv.slice(1);
      const { createRegistry } = await import(dist + '/registry-lite/index.js');
      while (Date.now() < Number(at)) {}
      const registry = createRegistry({ dataDir, ui: false, logger: { info() {}, warn() {}, error() {} } });
      await registry.close();
      console.log('started');
    `;
    for (let round = 0; round < 3; round++) {
      const dataDir = join(dir, `round-${round}`);
      const at = String(Date.now() + 1500);
      const results = await Promise.all(Array.from({ length: 4 }, () => node(child, [join(root, 'dist'), dataDir, at])));
      for (const result of results) expect(result, result.out).toMatchObject({ code: 0, out: 'started\n' });
      const db = new Database(join(dataDir, 'registry.db'), { readonly: true });
      try {
        expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
        expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
        const objects = db.prepare("SELECT type || ' ' || name FROM sqlite_master WHERE name NOT LIKE 'sqlite_autoindex%' ORDER BY 1").pluck().all();
        expect(objects).toEqual([
          'index audit_at',
          'index audit_name',
          'table audit',
          'table changes',
          'table components',
          'table sqlite_sequence',
          'table tokens',
          'table usage',
          'trigger audit_no_delete',
          'trigger audit_no_update',
          'trigger components_deleted',
          'trigger components_inserted',
          'trigger components_updated',
        ]);
      } finally {
        db.close();
      }
    }
  }, 60_000);

  /** The DDL of each schema version before this one, as its release wrote it (2 added the change log). */
  const OLD_SCHEMAS = [
    `CREATE TABLE components (name TEXT NOT NULL, version TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',
      manifest TEXT NOT NULL, storage_prefix TEXT NOT NULL, published_at INTEGER NOT NULL, deprecated TEXT, UNIQUE (name, version));
     CREATE TABLE tokens (id TEXT PRIMARY KEY, hash TEXT NOT NULL, label TEXT NOT NULL DEFAULT '', scopes TEXT NOT NULL,
      created_at INTEGER NOT NULL, last_used_at INTEGER, revoked_at INTEGER);`,
    `CREATE TABLE changes (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, version TEXT NOT NULL);
     CREATE TRIGGER components_inserted AFTER INSERT ON components
       BEGIN INSERT INTO changes (name, version) VALUES (NEW.name, NEW.version); END;
     CREATE TRIGGER components_updated AFTER UPDATE ON components
       BEGIN INSERT INTO changes (name, version) VALUES (NEW.name, NEW.version); END;
     CREATE TRIGGER components_deleted AFTER DELETE ON components
       BEGIN INSERT INTO changes (name, version) VALUES (OLD.name, OLD.version); END;`,
  ];

  /**
   * A file at schema version `schema` with the rows `fill` writes, then opened by two backends
   * (the first one watching, every 20 ms) for `check`; it must end at this code's version.
   */
  async function upgraded(schema: number, fill: (db: typeof Database.prototype) => void, check: (one: MetadataBackend, two: MetadataBackend, seen: unknown[]) => Promise<void>) {
    const file = join(dir, 'registry.db');
    const db = new Database(file);
    db.exec(OLD_SCHEMAS.slice(0, schema).join('\n'));
    db.pragma(`user_version = ${schema}`);
    fill(db);
    db.close();
    const one = sqliteBackend({ file, watchIntervalMs: 20 });
    const two = sqliteBackend({ file });
    try {
      const seen: unknown[] = [];
      one.watch((change) => seen.push(change));
      await check(one, two, seen);
    } finally {
      await one.close();
      await two.close();
    }
    const after = new Database(file, { readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    after.close();
  }
  const tick = () => new Promise((resolve) => setTimeout(resolve, 100));

  test('a database of the first schema (the release before the change log) is upgraded in place', async () => {
    await upgraded(
      1,
      (db) => db.prepare('INSERT INTO components VALUES (?, ?, ?, ?, ?, ?, ?)').run('old', '1.0.0', 'kept', '{"client":[]}', 'old/1.0.0/x', 5, 'why'),
      async (one, two, seen) => {
        expect(await one.getVersion('old', '1.0.0')).toEqual({
          name: 'old', version: '1.0.0', description: 'kept', manifest: { client: [] }, prefix: 'old/1.0.0/x', publishedAt: 5, deprecated: 'why', unpublishedAt: null,
        });
        await two.setDeprecated('old', '1.0.0', null);
        await tick();
        expect(seen).toEqual([{ name: 'old', version: '1.0.0' }]);
      },
    );
  });

  test('a database of schema 2 (before unpublish, scoped tokens, audit and usage) is upgraded in place', async () => {
    await upgraded(
      2,
      (db) => {
        db.prepare('INSERT INTO components VALUES (?, ?, ?, ?, ?, ?, ?)').run('old', '1.0.0', 'kept', '{"client":[]}', 'old/1.0.0/x', 5, null);
        db.prepare('INSERT INTO tokens VALUES (?, ?, ?, ?, ?, ?, ?)').run('abcdefabcdef', 'f'.repeat(64), 'ci', 'publish,admin', 1, 2, null);
      },
      async (one, two, seen) => {
        expect(await one.getVersion('old', '1.0.0')).toMatchObject({ deprecated: null, unpublishedAt: null });
        expect(await one.listVersions('old')).toEqual([{ version: '1.0.0', deprecated: false, unpublished: false, publishedAt: 5 }]);
        expect(await one.getToken('abcdefabcdef')).toEqual({
          id: 'abcdefabcdef', hash: 'f'.repeat(64), label: 'ci', scopes: ['publish', 'admin'], names: null, createdAt: 1, lastUsedAt: 2, expiresAt: null, revokedAt: null,
        });
        expect(await one.listAudit({ limit: 10 })).toEqual([]);
        expect(await one.getUsage('old', '0000-01-01')).toEqual([]);
        // The change log's old triggers tell the other connection of an unpublish too.
        expect(await two.unpublishVersion('old', '1.0.0', 7)).toBe(true);
        await tick();
        expect(seen).toEqual([{ name: 'old', version: '1.0.0' }]);
        expect((await one.getVersion('old', '1.0.0'))?.unpublishedAt).toBe(7);
      },
    );
  });

  test('the audit log is append-only in the file itself: a raw UPDATE or DELETE is refused', async () => {
    const file = join(dir, 'registry.db');
    const backend = sqliteBackend({ file });
    const entry = { at: 1, action: 'publish', actor: 'ci', tokenId: null, address: 'local', requestId: null, name: 'x', version: '1.0.0', detail: null } as const;
    await backend.appendAudit(entry);
    await backend.close();
    const db = new Database(file);
    try {
      expect(() => db.prepare("UPDATE audit SET actor = 'someone else'").run()).toThrow(/the audit log is append-only/);
      expect(() => db.prepare('DELETE FROM audit').run()).toThrow(/the audit log is append-only/);
      expect(db.prepare('SELECT actor FROM audit').pluck().all()).toEqual(['ci']);
      // Adding is what it is for.
      db.prepare("INSERT INTO audit (at, action, actor, address) VALUES (2, 'publish', 'sql', 'local')").run();
      expect(db.prepare('SELECT count(*) FROM audit').pluck().get()).toBe(2);
    } finally {
      db.close();
    }
  });

  test('a database from a newer mikr0 is refused with a message naming the fix', async () => {
    const file = join(dir, 'registry.db');
    const db = new Database(file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => sqliteBackend({ file })).toThrow(/newer than this mikr0.*Upgrade vite-plugin-mikr0/);
  });

  test('watch: what other connections changed, version by version; never our own writes, nor tokens', async () => {
    const file = join(dir, 'registry.db');
    const one = sqliteBackend({ file, watchIntervalMs: 20 });
    const two = sqliteBackend({ file });
    const tick = () => new Promise((resolve) => setTimeout(resolve, 100));
    try {
      const seen: unknown[] = [];
      const unwatch = one.watch((change) => seen.push(change));
      await one.insertVersion(version('mine', '1.0.0'));
      await one.setDeprecated('mine', '1.0.0', 'old');
      await tick();
      expect(seen).toEqual([]);
      await two.insertVersion(version('theirs', '1.0.0'));
      await two.setDeprecated('theirs', '1.0.0', 'bad');
      await two.insertToken({ id: 'abcdefabcdef', hash: '0'.repeat(64), label: '', scopes: ['publish'], names: null, createdAt: 1, lastUsedAt: null, expiresAt: null, revokedAt: null });
      await tick();
      expect(seen).toEqual([{ name: 'theirs', version: '1.0.0' }, { name: 'theirs', version: '1.0.0' }]);
      // Ours and theirs interleaved: ours may come back too (a re-read), theirs must.
      await one.insertVersion(version('mine', '2.0.0'));
      await two.insertVersion(version('theirs', '2.0.0'));
      await tick();
      expect(seen.slice(2)).toContainEqual({ name: 'theirs', version: '2.0.0' });
      // Many at once: one "anything may have changed" instead of hundreds of reports.
      seen.length = 0;
      for (let i = 0; i < 250; i++) await two.insertVersion(version('bulk', `1.0.${i}`));
      await tick();
      expect(seen).toEqual([{}]);
      unwatch();
      await two.insertVersion(version('theirs', '3.0.0'));
      await tick();
      expect(seen).toEqual([{}]);
    } finally {
      await one.close();
      await two.close();
    }
    // A process whose only handle is a watch ends by itself.
    const exit = await node(
      `const { sqliteBackend } = await import(${JSON.stringify(join(root, 'dist/registry-lite/metadata/sqlite.js'))});
       sqliteBackend({ file: ${JSON.stringify(join(dir, 'alone.db'))} }).watch(() => {});`,
    );
    expect(exit).toEqual({ code: 0, out: '' });
  });

  test('the file is a plain SQLite database: the schema other tools see', async () => {
    const file = join(dir, 'registry.db');
    const backend = sqliteBackend({ file });
    await backend.insertVersion(version('hello', '1.0.0'));
    await backend.close();
    expect(existsSync(file)).toBe(true);
    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT name, version, storage_prefix FROM components').all()).toEqual([{ name: 'hello', version: '1.0.0', storage_prefix: 'hello/1.0.0/abc' }]);
    db.close();
  });
});

describe('memory backend', () => {
  // `vite dev` runs on it: a component author must never need SQLite's native module.
  test('a registry on memory metadata (and vite dev\'s memory registry) never loads better-sqlite3', async () => {
    const dist = JSON.stringify(join(root, 'dist'));
    const result = await node(`
      import { createRequire } from 'node:module';
      const { createRegistry } = await import(${dist} + '/registry-lite/index.js');
      const { createMemoryRegistry } = await import(${dist} + '/plugin/memory-registry.js');
      const logger = { info() {}, warn() {}, error() {} };
      const registry = createRegistry({ database: { type: 'memory' }, storage: { type: 'memory' }, ui: false, logger });
      const { token } = await registry.tokens.create(['publish']);
      if (!(await registry.tokens.verify(token)).ok) throw new Error('token not verified');
      await registry.close();
      const dev = createMemoryRegistry({ config: { logger }, httpServer: null }, {}).registry;
      await dev.develop({ name: 'dev', version: '1.0.0', description: '', manifest: {}, publishedAt: 1 });
      const resolved = (await dev.components.resolve('dev', ''))?.version;
      await dev.close();
      const loaded = Object.keys(createRequire(import.meta.url).cache).filter((id) => id.includes('better-sqlite3'));
      console.log(JSON.stringify({ resolved, loaded }));
    `);
    expect(result.code, result.out).toBe(0);
    expect(JSON.parse(result.out)).toEqual({ resolved: '1.0.0', loaded: [] });
  });
});
