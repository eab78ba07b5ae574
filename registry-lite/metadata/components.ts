/**
 * Component metadata: published versions, range resolution and search.
 *
 * Statements are prepared once. Range resolution is served from memory; the caches are
 * dropped when this process publishes or deprecates, and when `PRAGMA data_version` says
 * another process (a replica on the same database) committed. An exact version missing
 * from the cache is always looked up in the database, so a fresh publish on a replica is
 * never a 404 here.
 */
import semver from 'semver';
import { LRUCache } from 'lru-cache';
import type { Manifest } from '../../bundle/types.js';

export type { FileInfo, Manifest } from '../../bundle/types.js';
import type { DB } from './database.js';


export interface VersionRecord {
  name: string;
  version: string;
  description: string;
  manifest: Manifest;
  prefix: string;
  publishedAt: number;
  deprecated: string | null;
}

export interface ComponentSummary {
  name: string;
  latest: string | null;
  description: string;
  versions: string[];
  publishedAt: string;
}

interface Row {
  name: string;
  version: string;
  description: string;
  manifest: string;
  storage_prefix: string;
  published_at: number;
  deprecated: string | null;
}

const DATA_VERSION_CHECK_MS = 250;
const NONE = Symbol('none');

export function createComponentStore(db: DB) {
  const statements = {
    one: db.prepare<[string, string], Row>('SELECT * FROM components WHERE name = ? AND version = ?'),
    versions: db.prepare<[string], Row>('SELECT * FROM components WHERE name = ?'),
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
    dataVersion: db.prepare('PRAGMA data_version').pluck(),
  };

  const byName = new LRUCache<string, VersionRecord[]>({ max: 5000 });
  // What `name@range` resolves to; NONE stands for "no match" (the cache cannot hold null).
  const ranges = new LRUCache<string, VersionRecord | typeof NONE>({ max: 20000 });
  let dataVersion = statements.dataVersion.get();
  let checkedAt = Date.now();

  /** Drops the caches when another connection has committed since the last look. */
  function refresh() {
    const now = Date.now();
    if (now - checkedAt < DATA_VERSION_CHECK_MS) return;
    checkedAt = now;
    const current = statements.dataVersion.get();
    if (current !== dataVersion) {
      dataVersion = current;
      byName.clear();
      ranges.clear();
    }
  }

  function forget(name: string) {
    byName.delete(name);
    for (const key of ranges.keys()) if (key.startsWith(`${name}@`)) ranges.delete(key);
  }

  function versionsOf(name: string): VersionRecord[] {
    let records = byName.get(name);
    if (!records) {
      records = statements.versions.all(name).map(toRecord);
      records.sort((a, b) => semver.rcompare(a.version, b.version));
      byName.set(name, records);
    }
    return records;
  }

  function get(name: string, version: string): VersionRecord | null {
    refresh();
    const cached = versionsOf(name).find((r) => r.version === version);
    if (cached) return cached;
    const row = statements.one.get(name, version);
    if (!row) return null;
    forget(name);
    return toRecord(row);
  }

  /**
   * The exact version a request means: an exact version as is (deprecated or not), a range
   * (`1`, `1.x`, `^1.2.0`) or '' (latest) to the highest non-deprecated match. `undefined`
   * for a range that is not valid semver.
   */
  function resolve(name: string, range: string): VersionRecord | null | undefined {
    refresh();
    const key = `${name}@${range}`;
    const cached = ranges.get(key);
    if (cached !== undefined) return cached === NONE ? null : cached;
    if (semver.valid(range)) {
      // An exact miss is not cached: a replica may publish it any moment.
      const record = get(name, range);
      if (record) ranges.set(key, record);
      return record;
    }
    const wanted = range === '' || range === 'latest' ? '*' : semver.validRange(range);
    if (wanted === null) return undefined;
    const candidates = versionsOf(name).filter((r) => !r.deprecated).map((r) => r.version);
    const version = semver.maxSatisfying(candidates, wanted) ?? (wanted === '*' ? candidates[0] : undefined);
    const record = version === undefined ? null : get(name, version);
    ranges.set(key, record ?? NONE);
    return record;
  }

  return {
    get,
    resolve,
    versions: (name: string) => {
      refresh();
      return versionsOf(name);
    },

    /** Inserts a new version; false when that version exists (the UNIQUE constraint decides races). */
    insert(record: Omit<VersionRecord, 'deprecated'>): boolean {
      try {
        statements.insert.run(
          record.name,
          record.version,
          record.description,
          JSON.stringify(record.manifest),
          record.prefix,
          record.publishedAt,
        );
      } catch (error: any) {
        if (error?.code === 'SQLITE_CONSTRAINT_UNIQUE') return false;
        throw error;
      } finally {
        forget(record.name);
      }
      return true;
    },

    /** Sets or clears (`null`) the deprecation message; false when the version does not exist. */
    deprecate(name: string, version: string, message: string | null): boolean {
      const changed = statements.deprecate.run(message, name, version).changes > 0;
      forget(name);
      return changed;
    },

    /** `vite dev` only: the component under development changed its schema or actions. */
    replaceManifest(name: string, version: string, manifest: Manifest): boolean {
      const changed = statements.replaceManifest.run(JSON.stringify(manifest), name, version).changes > 0;
      forget(name);
      return changed;
    },

    list(query: string, page: number, perPage: number): { components: ComponentSummary[]; total: number } {
      refresh();
      const pattern = `%${query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      const { total } = statements.count.get(pattern, pattern)!;
      const names = statements.page.all(pattern, pattern, perPage, (page - 1) * perPage);
      return { total, components: names.map(({ name }) => summarize(name, versionsOf(name))) };
    },

    /** True when the database answers (for /health). */
    ping(): boolean {
      return statements.dataVersion.get() !== undefined;
    },
  };
}

export type ComponentStore = ReturnType<typeof createComponentStore>;

function toRecord(row: Row): VersionRecord {
  return {
    name: row.name,
    version: row.version,
    description: row.description,
    manifest: JSON.parse(row.manifest),
    prefix: row.storage_prefix,
    publishedAt: row.published_at,
    deprecated: row.deprecated,
  };
}

function summarize(name: string, records: VersionRecord[]): ComponentSummary {
  const latest = records.find((r) => !r.deprecated && !semver.prerelease(r.version)) ?? records.find((r) => !r.deprecated) ?? null;
  const shown = latest ?? records[0];
  return {
    name,
    latest: latest?.version ?? null,
    description: shown?.description ?? '',
    versions: records.map((r) => r.version),
    publishedAt: new Date(Math.max(...records.map((r) => r.publishedAt))).toISOString(),
  };
}
