/**
 * The SQL backends' rows (sqlite.ts, postgres.ts share one table layout) as records. Times are
 * numbers in SQLite and 64-bit integers PostgreSQL hands over as strings: `Number()` takes both.
 */
import type { Scope, TokenRow, VersionRecord } from './types.js';

type Time = number | string;

export interface ComponentRow {
  name: string;
  version: string;
  description: string;
  /** JSON text. */
  manifest: string;
  storage_prefix: string;
  published_at: Time;
  deprecated: string | null;
}

export interface TokenTableRow {
  id: string;
  hash: string;
  label: string;
  /** Comma-separated. */
  scopes: string;
  created_at: Time;
  last_used_at: Time | null;
  revoked_at: Time | null;
}

export function toRecord(row: ComponentRow): VersionRecord {
  return {
    name: row.name,
    version: row.version,
    description: row.description,
    manifest: JSON.parse(row.manifest),
    prefix: row.storage_prefix,
    publishedAt: Number(row.published_at),
    deprecated: row.deprecated,
  };
}

export function toTokenRow(row: TokenTableRow): TokenRow {
  return {
    id: row.id,
    hash: row.hash,
    label: row.label,
    scopes: row.scopes.split(',') as Scope[],
    createdAt: Number(row.created_at),
    lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
  };
}
