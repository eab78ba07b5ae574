/**
 * The SQLite metadata backend (better-sqlite3): synchronous inside, statements prepared
 * once, WAL so readers never wait for the writer and several processes (replicas, `mikr0
 * token`) can share one file. The native module is loaded by `openSqlite`, only when this
 * backend is opened.
 */
import type { Manifest } from '../../bundle/types.js';
import { openSqlite } from './sqlite-schema.js';
import {
  auditValues, toAuditEntry, toRecord, toTokenRow, toUsageRow, tokenValues,
  type AuditTableRow, type ComponentRow, type TokenTableRow, type UsageTableRow,
} from './rows.js';
import type { AuditQuery, MetadataBackend, MetadataChange, UsageRow, VersionEntry } from './types.js';

/** Change-log rows kept: a watcher further behind than this (it polls every 250 ms) drops all it caches instead. */
const KEPT_CHANGES = 10_000;
/** Changes reported one by one per poll; beyond that, "anything may have changed" is cheaper. */
const MAX_REPORTED = 200;
/** `listAudit` statements kept prepared (one per shape of query); past that the cache starts over. */
const MAX_AUDIT_STATEMENTS = 64;

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
    index: db.prepare<[string], { version: string; deprecated: number; unpublished: number; published_at: number }>(
      'SELECT version, deprecated IS NOT NULL AS deprecated, unpublished_at IS NOT NULL AS unpublished, published_at FROM components WHERE name = ?',
    ),
    insert: db.prepare(
      'INSERT INTO components (name, version, description, manifest, storage_prefix, published_at) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    deprecate: db.prepare('UPDATE components SET deprecated = ? WHERE name = ? AND version = ?'),
    unpublish: db.prepare('UPDATE components SET unpublished_at = ? WHERE name = ? AND version = ? AND unpublished_at IS NULL'),
    replaceManifest: db.prepare('UPDATE components SET manifest = ? WHERE name = ? AND version = ?'),
    page: db.prepare<[string, string, number, number], { name: string }>(
      `SELECT name FROM components WHERE name LIKE ? ESCAPE '\\' OR description LIKE ? ESCAPE '\\'
       GROUP BY name ORDER BY name LIMIT ? OFFSET ?`,
    ),
    count: db.prepare<[string, string], { total: number }>(
      `SELECT COUNT(DISTINCT name) AS total FROM components WHERE name LIKE ? ESCAPE '\\' OR description LIKE ? ESCAPE '\\'`,
    ),
    insertToken: db.prepare(
      `INSERT INTO tokens (id, hash, label, scopes, names, created_at, last_used_at, expires_at, revoked_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    token: db.prepare<[string], TokenTableRow>('SELECT * FROM tokens WHERE id = ?'),
    tokens: db.prepare<[], TokenTableRow>('SELECT * FROM tokens ORDER BY created_at, rowid'),
    touch: db.prepare('UPDATE tokens SET last_used_at = ? WHERE id = ?'),
    revoke: db.prepare('UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
    appendAudit: db.prepare(
      `INSERT INTO audit (at, action, actor, token_id, address, request_id, name, version, detail)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    // MAX() of SQL NULL is NULL: COALESCE keeps whichever time there is, NULL when neither.
    addUsage: db.prepare(
      `INSERT INTO usage (name, version, day, renders, actions, last_rendered_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (name, version, day) DO UPDATE SET
         renders = renders + excluded.renders,
         actions = actions + excluded.actions,
         last_rendered_at = COALESCE(MAX(last_rendered_at, excluded.last_rendered_at), last_rendered_at, excluded.last_rendered_at)`,
    ),
    usage: db.prepare<[string, string], UsageTableRow>('SELECT * FROM usage WHERE name = ? AND day >= ?'),
    dataVersion: db.prepare('PRAGMA data_version').pluck(),
    changes: db.prepare<[number, number], { id: number; name: string; version: string }>(
      'SELECT id, name, version FROM changes WHERE id > ? ORDER BY id LIMIT ?',
    ),
    lastChange: db.prepare<[], number>('SELECT COALESCE(MAX(id), 0) FROM changes').pluck(),
    prune: db.prepare('DELETE FROM changes WHERE id <= ?'),
  };
  let inserts = 0;
  const writeAndLog = db.transaction((write: () => number) => ({ changed: write(), last: statements.lastChange.get()! }));
  const addUsage = db.transaction((rows: UsageRow[]) => {
    for (const { name, version, day, renders, actions, lastRenderedAt } of rows) statements.addUsage.run(name, version, day, renders, actions, lastRenderedAt);
  });
  const auditStatements = new Map<string, ReturnType<typeof db.prepare<unknown[], AuditTableRow>>>();

  /**
   * Only the conditions the query has, so SQLite can use the index on `at` or `name` (a fixed
   * statement of `? IS NULL OR …` would scan). Values are always bound, never written into the
   * text; each shape of query is prepared once.
   */
  function listAudit(query: AuditQuery): AuditTableRow[] {
    const where: string[] = [];
    const values: unknown[] = [];
    const add = (condition: string, ...bound: unknown[]) => {
      where.push(condition);
      values.push(...bound);
    };
    if (query.since !== undefined) add('at >= ?', query.since);
    if (query.until !== undefined) add('at < ?', query.until);
    if (query.actions !== undefined) {
      const actions = [...new Set(query.actions)];
      // Any of no actions: nothing matches (`IN ()` is not SQL).
      if (actions.length === 0) return [];
      add(`action IN (${actions.map(() => '?').join(', ')})`, ...actions);
    }
    if (query.name !== undefined) add('name = ?', query.name);
    if (query.before !== undefined) add('id < ?', query.before);
    const sql = `SELECT * FROM audit${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    let statement = auditStatements.get(sql);
    if (!statement) {
      if (auditStatements.size >= MAX_AUDIT_STATEMENTS) auditStatements.clear();
      statement = db.prepare<unknown[], AuditTableRow>(sql);
      auditStatements.set(sql, statement);
    }
    return statement.all(...values, query.limit);
  }

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
        (row): VersionEntry => ({
          version: row.version,
          deprecated: row.deprecated === 1,
          unpublished: row.unpublished === 1,
          publishedAt: row.published_at,
        }),
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
    unpublishVersion: async (name, version, at) => ownWrite(() => statements.unpublish.run(at, name, version).changes) > 0,
    replaceManifest: async (name, version, manifest: Manifest) =>
      ownWrite(() => statements.replaceManifest.run(JSON.stringify(manifest), name, version).changes) > 0,

    async search(query, page, perPage) {
      const pattern = `%${query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      const { total } = statements.count.get(pattern, pattern)!;
      const names = statements.page.all(pattern, pattern, perPage, (page - 1) * perPage).map((row) => row.name);
      return { names, total };
    },

    async insertToken(row) {
      statements.insertToken.run(...tokenValues(row));
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

    async appendAudit(entry) {
      statements.appendAudit.run(...auditValues(entry));
    },
    listAudit: async (query) => listAudit(query).map(toAuditEntry),

    // One transaction: a batch is counted whole or not at all, and the database's write lock
    // serializes processes adding to the same row (the addition happens inside the UPDATE).
    async addUsage(rows) {
      if (rows.length > 0) addUsage.immediate(rows);
    },
    getUsage: async (name, sinceDay) => statements.usage.all(name, sinceDay).map(toUsageRow),

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
