/**
 * The SQLite metadata backend (better-sqlite3): synchronous inside, statements prepared
 * once, WAL so readers never wait for the writer and several processes (replicas, `mikr0
 * token`) can share one file. The native module is loaded by `openSqlite`, only when this
 * backend is opened.
 */
import type { Manifest } from '../../bundle/types.js';
import { openSqlite } from './sqlite-schema.js';
import { toRecord, toTokenRow, type ComponentRow, type TokenTableRow } from './rows.js';
import type { MetadataBackend, MetadataChange, VersionEntry } from './types.js';

/** Change-log rows kept: a watcher further behind than this (it polls every 250 ms) drops all it caches instead. */
const KEPT_CHANGES = 10_000;
/** Changes reported one by one per poll; beyond that, "anything may have changed" is cheaper. */
const MAX_REPORTED = 200;

export interface SqliteOptions {
  /** The database file; `:memory:` keeps nothing. */
  file: string;
  /** How often `watch` looks for other connections' commits (default 250 ms). */
  watchIntervalMs?: number;
}

export function sqliteBackend(options: SqliteOptions): MetadataBackend {
  if (typeof options?.file !== 'string' || options.file === '') {
    throw new TypeError('The sqlite metadata backend needs a file: { type: "sqlite", options: { file: ".mikr0/registry.db" } }');
  }
  const db = openSqlite(options.file);
  const statements = {
    one: db.prepare<[string, string], ComponentRow>('SELECT * FROM components WHERE name = ? AND version = ?'),
    all: db.prepare<[string], ComponentRow>('SELECT * FROM components WHERE name = ?'),
    index: db.prepare<[string], { version: string; deprecated: number; published_at: number }>(
      'SELECT version, deprecated IS NOT NULL AS deprecated, published_at FROM components WHERE name = ?',
    ),
    insert: db.prepare(
      'INSERT INTO components (name, version, description, manifest, storage_prefix, published_at) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    deprecate: db.prepare('UPDATE components SET deprecated = ? WHERE name = ? AND version = ?'),
    replaceManifest: db.prepare('UPDATE components SET manifest = ? WHERE name = ? AND version = ?'),
    page: db.prepare<[string, string, number, number], { name: string }>(
      `SELECT name FROM components WHERE name LIKE ? ESCAPE '\\' OR description LIKE ? ESCAPE '\\'
       GROUP BY name ORDER BY name LIMIT ? OFFSET ?`,
    ),
    count: db.prepare<[string, string], { total: number }>(
      `SELECT COUNT(DISTINCT name) AS total FROM components WHERE name LIKE ? ESCAPE '\\' OR description LIKE ? ESCAPE '\\'`,
    ),
    insertToken: db.prepare(
      'INSERT INTO tokens (id, hash, label, scopes, created_at, last_used_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    token: db.prepare<[string], TokenTableRow>('SELECT * FROM tokens WHERE id = ?'),
    tokens: db.prepare<[], TokenTableRow>('SELECT * FROM tokens ORDER BY created_at, rowid'),
    touch: db.prepare('UPDATE tokens SET last_used_at = ? WHERE id = ?'),
    revoke: db.prepare('UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
    dataVersion: db.prepare('PRAGMA data_version').pluck(),
    changes: db.prepare<[number, number], { id: number; name: string; version: string }>(
      'SELECT id, name, version FROM changes WHERE id > ? ORDER BY id LIMIT ?',
    ),
    lastChange: db.prepare<[], number>('SELECT COALESCE(MAX(id), 0) FROM changes').pluck(),
    prune: db.prepare('DELETE FROM changes WHERE id <= ?'),
  };
  let inserts = 0;
  const writeAndLog = db.transaction((write: () => number) => ({ changed: write(), last: statements.lastChange.get()! }));

  const listeners = new Set<(change: MetadataChange) => void>();
  let timer: NodeJS.Timeout | undefined;
  let dataVersion: unknown;
  let seen = 0;

  /**
   * `PRAGMA data_version` changes only when ANOTHER connection committed, so a quiet tick costs
   * one cheap read and our own commits never wake it. Then the change log says which versions
   * changed (it holds ours too, interleaved: re-reading those costs little). A token change
   * logs nothing, so it reports nothing.
   */
  function poll() {
    let changes: { id: number; name: string; version: string }[];
    try {
      const current = statements.dataVersion.get();
      if (current === dataVersion) return;
      dataVersion = current;
      changes = statements.changes.all(seen, MAX_REPORTED + 1);
    } catch {
      return; // closed under us, or busy for a moment: the next tick looks again
    }
    if (changes.length === 0) return;
    // Too many to go one by one, or pruned past what we saw: anything may have changed.
    const whole = changes.length > MAX_REPORTED || changes[0].id !== seen + 1;
    seen = whole ? statements.lastChange.get()! : changes[changes.length - 1].id;
    const reports = whole ? [{}] : changes.map(({ name, version }) => ({ name, version }));
    for (const listener of [...listeners]) for (const change of reports) listener(change);
  }

  /**
   * A write of ours, with the change log read in the same transaction: when nothing of
   * others' came before it, the log is known up to our row, so our own change is never
   * reported back to us.
   */
  function ownWrite(write: () => number): number {
    const { changed, last } = writeAndLog(write);
    if (changed > 0 && last === seen + 1) seen = last;
    return changed;
  }

  return {
    name: 'sqlite',

    getVersion: async (name, version) => {
      const row = statements.one.get(name, version);
      return row ? toRecord(row) : null;
    },
    listVersions: async (name) =>
      statements.index.all(name).map(
        (row): VersionEntry => ({ version: row.version, deprecated: row.deprecated === 1, publishedAt: row.published_at }),
      ),
    getVersions: async (name) => statements.all.all(name).map(toRecord),

    async insertVersion(record) {
      try {
        const { name, version, description, prefix, publishedAt } = record;
        ownWrite(() => statements.insert.run(name, version, description, JSON.stringify(record.manifest), prefix, publishedAt).changes);
        // Now and then, not every time: the log only has to outlast the slowest watcher's tick.
        if (++inserts % 100 === 0) statements.prune.run(statements.lastChange.get()! - KEPT_CHANGES);
        return true;
      } catch (error: any) {
        if (error?.code === 'SQLITE_CONSTRAINT_UNIQUE') return false;
        throw error;
      }
    },
    setDeprecated: async (name, version, message) => ownWrite(() => statements.deprecate.run(message, name, version).changes) > 0,
    replaceManifest: async (name, version, manifest: Manifest) =>
      ownWrite(() => statements.replaceManifest.run(JSON.stringify(manifest), name, version).changes) > 0,

    async search(query, page, perPage) {
      const pattern = `%${query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      const { total } = statements.count.get(pattern, pattern)!;
      const names = statements.page.all(pattern, pattern, perPage, (page - 1) * perPage).map((row) => row.name);
      return { names, total };
    },

    async insertToken(row) {
      statements.insertToken.run(row.id, row.hash, row.label, row.scopes.join(','), row.createdAt, row.lastUsedAt, row.revokedAt);
    },
    getToken: async (id) => {
      const row = statements.token.get(id);
      return row ? toTokenRow(row) : null;
    },
    listTokens: async () => statements.tokens.all().map(toTokenRow),
    async touchToken(id, at) {
      statements.touch.run(at, id);
    },
    revokeToken: async (id, at) => statements.revoke.run(at, id).changes > 0,

    async ping() {
      statements.dataVersion.get();
    },

    watch(listener) {
      listeners.add(listener);
      if (!timer) {
        dataVersion = statements.dataVersion.get();
        seen = statements.lastChange.get()!;
        timer = setInterval(poll, options.watchIntervalMs ?? 250);
        // Watching must never keep a process alive (the CLI, a test) on its own.
        timer.unref();
      }
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && timer) {
          clearInterval(timer);
          timer = undefined;
        }
      };
    },

    async close() {
      clearInterval(timer);
      timer = undefined;
      listeners.clear();
      if (db.open) db.close();
    },
  };
}
