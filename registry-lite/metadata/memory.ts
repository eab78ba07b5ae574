/**
 * The memory metadata backend: plain JS, no native module (nothing here may import
 * better-sqlite3, even through another file), so `vite dev` and `vite preview` run where
 * SQLite does not build. Keeps nothing past the process. Values are copied in and out, so a
 * caller changing a record it got (or gave) never changes what is stored, as with a database.
 */
import type { Manifest } from '../../bundle/types.js';
import type { AuditEntry, MetadataBackend, TokenRow, UsageRow, VersionEntry, VersionRecord } from './types.js';
import { addUsageRow } from './usage.js';

interface Stored extends Omit<VersionRecord, 'manifest'> {
  /** As text, like a database column: parsed anew for every reader. */
  manifest: string;
}

export function memoryBackend(): MetadataBackend {
  const components = new Map<string, Map<string, Stored>>();
  const tokens = new Map<string, TokenRow>();
  const audit: AuditEntry[] = [];
  /** By `name\0version\0day`. */
  const usage = new Map<string, UsageRow>();
  let closed = false;

  /** Like a closed database connection: every call after close() fails. */
  function open() {
    if (closed) throw new Error('The memory metadata backend is closed');
  }

  function stored(name: string, version: string): Stored | undefined {
    return components.get(name)?.get(version);
  }

  return {
    name: 'memory',

    async getVersion(name, version) {
      open();
      const found = stored(name, version);
      return found ? toRecord(found) : null;
    },
    async listVersions(name) {
      open();
      return [...(components.get(name)?.values() ?? [])].map(
        (s): VersionEntry => ({ version: s.version, deprecated: s.deprecated !== null, unpublished: s.unpublishedAt !== null, publishedAt: s.publishedAt }),
      );
    },
    async getVersions(name) {
      open();
      return [...(components.get(name)?.values() ?? [])].map(toRecord);
    },

    // Check and insert happen in one synchronous step: nothing can slip in between.
    async insertVersion(record) {
      open();
      let versions = components.get(record.name);
      if (versions?.has(record.version)) return false;
      if (!versions) components.set(record.name, (versions = new Map()));
      versions.set(record.version, {
        name: record.name,
        version: record.version,
        description: record.description,
        manifest: JSON.stringify(record.manifest),
        prefix: record.prefix,
        publishedAt: record.publishedAt,
        deprecated: null,
        unpublishedAt: null,
      });
      return true;
    },
    async unpublishVersion(name, version, at) {
      open();
      const found = stored(name, version);
      if (!found || found.unpublishedAt !== null) return false;
      found.unpublishedAt = at;
      return true;
    },
    async setDeprecated(name, version, message) {
      open();
      const found = stored(name, version);
      if (found) found.deprecated = message;
      return found !== undefined;
    },
    async replaceManifest(name, version, manifest: Manifest) {
      open();
      const found = stored(name, version);
      if (found) found.manifest = JSON.stringify(manifest);
      return found !== undefined;
    },

    async search(query, page, perPage) {
      open();
      // SQLite's LIKE: ASCII letters match either case, nothing else is special here.
      const needle = asciiLower(query);
      const matches = [...components.keys()]
        .filter((name) => {
          if (asciiLower(name).includes(needle)) return true;
          for (const s of components.get(name)!.values()) if (asciiLower(s.description).includes(needle)) return true;
          return false;
        })
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      return { names: matches.slice((page - 1) * perPage, page * perPage), total: matches.length };
    },

    async insertToken(row) {
      open();
      if (tokens.has(row.id)) throw new Error(`A token with id ${row.id} exists already`);
      tokens.set(row.id, copyToken(row));
    },
    async getToken(id) {
      open();
      const row = tokens.get(id);
      return row ? copyToken(row) : null;
    },
    async listTokens() {
      open();
      // Insertion order breaks ties, as rowid does in SQLite (Array#sort is stable).
      return [...tokens.values()].map(copyToken).sort((a, b) => a.createdAt - b.createdAt);
    },
    async touchToken(id, at) {
      open();
      const row = tokens.get(id);
      if (row) row.lastUsedAt = at;
    },
    async revokeToken(id, at) {
      open();
      const row = tokens.get(id);
      if (!row || row.revokedAt !== null) return false;
      row.revokedAt = at;
      return true;
    },

    async appendAudit(entry) {
      open();
      audit.push({ ...entry, id: audit.length + 1 });
    },
    async listAudit(query) {
      open();
      const found: AuditEntry[] = [];
      for (let i = audit.length - 1; i >= 0 && found.length < query.limit; i--) {
        const e = audit[i];
        if (query.before !== undefined && e.id >= query.before) continue;
        if (query.since !== undefined && e.at < query.since) continue;
        if (query.until !== undefined && e.at >= query.until) continue;
        if (query.actions && !query.actions.includes(e.action)) continue;
        if (query.name !== undefined && e.name !== query.name) continue;
        found.push({ ...e });
      }
      return found;
    },

    async addUsage(rows) {
      open();
      for (const row of rows) addUsageRow(usage, row);
    },
    async getUsage(name, sinceDay) {
      open();
      return [...usage.values()].filter((row) => row.name === name && row.day >= sinceDay).map((row) => ({ ...row }));
    },

    async ping() {
      open();
    },
    // No other process can reach this data: there is never anyone else's change to report.
    watch: () => () => {},
    async close() {
      closed = true;
      components.clear();
      tokens.clear();
      audit.length = 0;
      usage.clear();
    },
  };
}

function copyToken(row: TokenRow): TokenRow {
  return { ...row, scopes: [...row.scopes], names: row.names && [...row.names] };
}

function toRecord(s: Stored): VersionRecord {
  return { ...s, manifest: JSON.parse(s.manifest) };
}

function asciiLower(text: string): string {
  return text.replace(/[A-Z]/g, (c) => c.toLowerCase());
}
