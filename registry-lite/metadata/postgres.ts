/**
 * The PostgreSQL metadata backend (node-postgres), for registries that scale out: every
 * replica opens its own pool on one database. `pg` is an optional peer dependency, imported
 * when this backend opens and not before. Opening starts at creation (connect, migrate under
 * an advisory lock: postgres-schema.ts); `ready()` waits for it and rejects with one line
 * naming what is wrong, and a failed open is tried again by the next call. Statements are
 * named (prepared once per connection). The database's uniqueness decides publish races.
 *
 * `watch` LISTENs on one dedicated connection (not the pool's) to what the triggers NOTIFY,
 * skips this instance's own changes by their origin, reconnects with backoff when that
 * connection drops (backing off to at most 0.5 s) and then reports `{}`: what changed while it
 * was deaf is unknown. A periodic check catches a connection that died without a word.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { Manifest } from '../../bundle/types.js';
import { CHANNEL, explain, loadPg, migrate, OPTION, ORIGIN_SETTING, postgresTarget } from './postgres-schema.js';
import { statements, usageColumns } from './postgres-statements.js';
import {
  auditValues, toAuditEntry, toRecord, toTokenRow, toUsageRow, tokenValues,
  type AuditTableRow, type ComponentRow, type TokenTableRow, type UsageTableRow,
} from './rows.js';
import type { MetadataBackend, MetadataChange, VersionEntry } from './types.js';

/** Changes reported one by one per batch; beyond that, "anything may have changed" is cheaper. */
const MAX_REPORTED = 200;

export interface PostgresOptions {
  /** `postgres://user:password@host:5432/database` */
  connectionString: string;
  /** Connections in this instance's pool (default 10); `watch` uses one more. */
  poolSize?: number;
  /** How long connecting may take before it fails (default 5000 ms). */
  connectTimeoutMs?: number;
  /** How often the LISTEN connection is checked for a silent death (default 30 s). */
  watchCheckMs?: number;
}

export type PostgresBackend = MetadataBackend & {
  /** Resolves once connected, migrated (and listening, when watched); rejects with one line naming what is wrong. */
  ready(): Promise<void>;
};

export function postgresBackend(options: PostgresOptions): PostgresBackend {
  const { connectionString } = options ?? {};
  if (typeof connectionString !== 'string' || !/^postgres(ql)?:\/\//.test(connectionString)) {
    throw new TypeError(`The postgres metadata backend needs ${OPTION}, a URL such as "postgres://user:password@localhost:5432/mikr0"`);
  }
  const poolSize = options.poolSize ?? 10;
  if (!Number.isInteger(poolSize) || poolSize < 1) throw new TypeError(`database.options.poolSize must be a whole number of at least 1, got ${poolSize}`);
  const connectTimeoutMs = options.connectTimeoutMs ?? 5000;
  const target = postgresTarget(connectionString);
  // Names this instance's writes in their notifications, so it can skip its own.
  const origin = randomBytes(8).toString('hex');
  let opening: Promise<{ pg: typeof pg; pool: pg.Pool }> | undefined;
  let closed = false;
  /** Queries wait for the first LISTEN attempt: nothing committed elsewhere meanwhile can be missed. */
  let listening: Promise<void> = Promise.resolve();
  const listeners = new Set<(change: MetadataChange) => void>();
  let watcher: { stop(): void } | undefined;

  async function open() {
    const driver = await loadPg();
    const pool = new driver.Pool({
      connectionString,
      max: poolSize,
      connectionTimeoutMillis: connectTimeoutMs,
      application_name: 'mikr0 registry',
      // Set when the connection starts, before any query: every write on it carries our origin.
      options: `-c ${ORIGIN_SETTING}=${origin}`,
      // Idle connections never keep a process (the CLI, a test) alive on their own.
      allowExitOnIdle: true,
    });
    // An idle connection that dies is dropped by the pool; the next query opens another.
    pool.on('error', () => {});
    try {
      const client = await pool.connect();
      try {
        await migrate(client);
      } finally {
        client.release();
      }
    } catch (error) {
      await pool.end().catch(() => {});
      throw explain(error, target);
    }
    return { pg: driver, pool };
  }

  /** The pool once open; a failed open is tried again by the next call. */
  function connected(): Promise<{ pg: typeof pg; pool: pg.Pool }> {
    if (closed) return Promise.reject(new Error('The postgres metadata backend is closed'));
    opening ??= open().catch((error) => {
      opening = undefined;
      throw error;
    });
    return opening;
  }

  async function query<R extends pg.QueryResultRow>(name: keyof typeof statements, values: unknown[]): Promise<pg.QueryResult<R>> {
    const { pool } = await connected();
    await listening;
    if (closed) throw new Error('The postgres metadata backend is closed');
    return pool.query<R>({ name: `mikr0_${name}`, text: statements[name], values });
  }

  // Opening starts now: a registry finds a wrong URL or an unreachable server at start.
  connected().catch(() => {});

  function report(change: MetadataChange) {
    for (const listener of [...listeners]) {
      try {
        listener(change);
      } catch {
        // A listener's failure is its own: the connection and the other listeners carry on.
      }
    }
  }

  function startWatcher(): { stop(): void } {
    let client: pg.Client | undefined;
    let stopped = false;
    let missed = false;
    let delay = 100;
    let retry: NodeJS.Timeout | undefined;
    let batch: MetadataChange[] | undefined;
    let opened!: () => void;
    listening = new Promise<void>((resolve) => (opened = resolve));

    function deliver(payload: string | undefined) {
      let change: { name?: unknown; version?: unknown; token?: unknown; origin?: unknown };
      try {
        change = JSON.parse(payload ?? '{}');
      } catch {
        change = {};
      }
      if (change.origin === origin) return;
      // A token was revoked: nothing caches tokens yet, and MetadataChange has no field for it.
      if (change.token !== undefined) return;
      const named = typeof change.name === 'string' && typeof change.version === 'string';
      if (!batch) {
        batch = [];
        // Notifications come in bursts (one per row): a burst is reported together, or as `{}` when large.
        setImmediate(() => {
          const reports = batch!.length > MAX_REPORTED ? [{}] : batch!;
          batch = undefined;
          for (const each of reports) report(each);
        });
      }
      batch.push(named ? { name: change.name as string, version: change.version as string } : {});
    }

    async function connect() {
      retry = undefined;
      let driver: typeof pg;
      try {
        driver = (await connected()).pg;
      } catch {
        opened();
        return schedule(); // the database is unreachable: the next attempt opens again
      }
      const candidate = new driver.Client({
        connectionString,
        connectionTimeoutMillis: connectTimeoutMs,
        keepAlive: true,
        application_name: 'mikr0 registry (listen)',
      });
      candidate.on('error', () => lost(candidate));
      candidate.on('end', () => lost(candidate));
      candidate.on('notification', (message) => message.channel === CHANNEL && deliver(message.payload));
      try {
        await candidate.connect();
        await candidate.query(`LISTEN ${CHANNEL}`);
      } catch {
        missed = true;
        candidate.end().catch(() => {});
        opened();
        return schedule();
      }
      if (stopped) return void candidate.end().catch(() => {});
      client = candidate;
      // Listening must never keep a process alive on its own.
      (candidate as unknown as { connection?: { stream?: { unref?(): void } } }).connection?.stream?.unref?.();
      delay = 100;
      opened();
      if (missed) report({});
      missed = false;
    }

    function lost(which: pg.Client) {
      if (client !== which) return;
      client = undefined;
      missed = true;
      which.end().catch(() => {});
      schedule();
    }

    function schedule() {
      if (stopped || retry) return;
      retry = setTimeout(connect, delay);
      retry.unref();
      // At most half a second: back within the one second a replica has to see the others' changes.
      delay = Math.min(delay * 2, 500);
    }

    // The safety net: a connection can die without a word (a silent network); a SELECT 1 finds out.
    const check = setInterval(async () => {
      const current = client;
      // No connection: a reconnect is scheduled or under way already.
      if (!current) return;
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          current.query('SELECT 1'),
          new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('no answer')), connectTimeoutMs))),
        ]);
      } catch {
        lost(current);
      } finally {
        clearTimeout(timer);
      }
    }, options.watchCheckMs ?? 30_000);
    check.unref();

    void connect();
    return {
      stop() {
        stopped = true;
        clearTimeout(retry);
        clearInterval(check);
        opened();
        const current = client;
        client = undefined;
        current?.end().catch(() => {});
      },
    };
  }

  return {
    name: 'postgres',

    async ready() {
      await connected();
      await listening;
    },

    async getVersion(name, version) {
      if (impossible(name, version)) return null;
      const { rows } = await query<ComponentRow>('one', [name, version]);
      return rows[0] ? toRecord(rows[0]) : null;
    },
    async listVersions(name) {
      if (impossible(name)) return [];
      const { rows } = await query<{ version: string; deprecated: boolean; unpublished: boolean; published_at: string }>('index', [name]);
      return rows.map(
        (row): VersionEntry => ({ version: row.version, deprecated: row.deprecated, unpublished: row.unpublished, publishedAt: Number(row.published_at) }),
      );
    },
    async getVersions(name) {
      if (impossible(name)) return [];
      return (await query<ComponentRow>('all', [name])).rows.map(toRecord);
    },

    async insertVersion(record) {
      const { name, version, description, prefix, publishedAt } = record;
      const values = [name, version, description, JSON.stringify(record.manifest), prefix, publishedAt];
      return (await query('insert', values)).rowCount === 1;
    },
    async setDeprecated(name, version, message) {
      if (impossible(name, version)) return false;
      return ((await query('deprecate', [message, name, version])).rowCount ?? 0) > 0;
    },
    async unpublishVersion(name, version, at) {
      if (impossible(name, version)) return false;
      return ((await query('unpublish', [at, name, version])).rowCount ?? 0) > 0;
    },
    async replaceManifest(name, version, manifest: Manifest) {
      if (impossible(name, version)) return false;
      return ((await query('replaceManifest', [JSON.stringify(manifest), name, version])).rowCount ?? 0) > 0;
    },

    async search(queryText, page, perPage) {
      if (impossible(queryText)) return { names: [], total: 0 };
      const needle = queryText.replace(/[A-Z]/g, (c) => c.toLowerCase());
      const { rows } = await query<{ total: number; names: string[] }>('search', [needle, perPage, (page - 1) * perPage]);
      return { names: rows[0].names, total: rows[0].total };
    },

    async insertToken(row) {
      await query('insertToken', tokenValues(row));
    },
    async getToken(id) {
      if (impossible(id)) return null;
      const { rows } = await query<TokenTableRow>('token', [id]);
      return rows[0] ? toTokenRow(rows[0]) : null;
    },
    listTokens: async () => (await query<TokenTableRow>('tokens', [])).rows.map(toTokenRow),
    async touchToken(id, at) {
      if (!impossible(id)) await query('touch', [at, id]);
    },
    async revokeToken(id, at) {
      if (impossible(id)) return false;
      return ((await query('revoke', [at, id])).rowCount ?? 0) > 0;
    },

    async appendAudit(entry) {
      // An entry is never dropped: a NUL (a failed sign-in's garbage, say) becomes U+FFFD, as text here cannot hold it.
      await query('appendAudit', auditValues(entry).map((value) => (typeof value === 'string' ? value.replaceAll('\0', '\uFFFD') : value)));
    },
    async listAudit({ since, until, actions, name, before, limit }) {
      if (name !== undefined && impossible(name)) return [];
      const values = [since ?? null, until ?? null, actions ?? null, name ?? null, before ?? null, limit];
      return (await query<AuditTableRow>('listAudit', values)).rows.map(toAuditEntry);
    },

    async addUsage(rows) {
      // A NUL names nothing that can be stored, so nothing that was rendered.
      const columns = usageColumns(rows.filter((row) => !impossible(row.name, row.version, row.day)));
      if (columns) await query('addUsage', columns);
    },
    async getUsage(name, sinceDay) {
      if (impossible(name, sinceDay)) return [];
      return (await query<UsageTableRow>('usage', [name, sinceDay])).rows.map(toUsageRow);
    },

    async ping() {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${connectTimeoutMs} ms`)), connectTimeoutMs);
      });
      try {
        await Promise.race([connected().then(({ pool }) => pool.query('SELECT 1')), timeout]);
      } catch (error) {
        throw explain(error, target);
      } finally {
        clearTimeout(timer);
      }
    },

    watch(listener) {
      if (closed) return () => {};
      listeners.add(listener);
      watcher ??= startWatcher();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && watcher) {
          watcher.stop();
          watcher = undefined;
        }
      };
    },

    async close() {
      if (closed) return;
      closed = true;
      listeners.clear();
      watcher?.stop();
      watcher = undefined;
      const pool = await opening?.then(({ pool }) => pool, () => undefined);
      await pool?.end();
    },
  };
}

/** PostgreSQL text cannot hold NUL: no stored name, version, id or description contains one. */
function impossible(...values: string[]): boolean {
  return values.some((value) => value.includes('\0'));
}
