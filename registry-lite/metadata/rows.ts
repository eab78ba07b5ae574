/**
 * The SQL backends' rows (sqlite.ts, postgres.ts share one table layout) as records. Times and
 * counts are numbers in SQLite and 64-bit integers PostgreSQL hands over as strings: `Number()`
 * takes both.
 */
import type { AuditAction, AuditEntry, Scope, TokenRow, UsageRow, VersionRecord } from './types.js';

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
  unpublished_at: Time | null;
}

export interface TokenTableRow {
  id: string;
  hash: string;
  label: string;
  /** Comma-separated. */
  scopes: string;
  /** Comma-separated name patterns; null for every name. */
  names: string | null;
  created_at: Time;
  last_used_at: Time | null;
  expires_at: Time | null;
  revoked_at: Time | null;
}

export interface AuditTableRow {
  id: Time;
  at: Time;
  action: string;
  actor: string;
  token_id: string | null;
  address: string;
  request_id: string | null;
  name: string | null;
  version: string | null;
  detail: string | null;
}

export interface UsageTableRow {
  name: string;
  version: string;
  day: string;
  renders: Time;
  actions: Time;
  last_rendered_at: Time | null;
}

const time = (value: Time | null): number | null => (value === null ? null : Number(value));

export function toRecord(row: ComponentRow): VersionRecord {
  return {
    name: row.name,
    version: row.version,
    description: row.description,
    manifest: JSON.parse(row.manifest),
    prefix: row.storage_prefix,
    publishedAt: Number(row.published_at),
    deprecated: row.deprecated,
    unpublishedAt: time(row.unpublished_at),
  };
}

/** A token's name patterns as its column holds them: a pattern never contains a comma. */
export function namesColumn(names: string[] | null): string | null {
  return names === null ? null : names.join(',');
}

export function toTokenRow(row: TokenTableRow): TokenRow {
  return {
    id: row.id,
    hash: row.hash,
    label: row.label,
    scopes: row.scopes.split(',') as Scope[],
    // '' is an empty list, not one empty pattern: what `[].join(',')` wrote.
    names: row.names === null ? null : row.names === '' ? [] : row.names.split(','),
    createdAt: Number(row.created_at),
    lastUsedAt: time(row.last_used_at),
    expiresAt: time(row.expires_at),
    revokedAt: time(row.revoked_at),
  };
}

/** The columns of `insertToken`, in the order both backends' INSERT lists them. */
export function tokenValues(row: TokenRow): unknown[] {
  const { id, hash, label, scopes, names, createdAt, lastUsedAt, expiresAt, revokedAt } = row;
  return [id, hash, label, scopes.join(','), namesColumn(names), createdAt, lastUsedAt, expiresAt, revokedAt];
}

/** The columns of `appendAudit`, in the order both backends' INSERT lists them. */
export function auditValues(entry: Omit<AuditEntry, 'id'>): unknown[] {
  const { at, action, actor, tokenId, address, requestId, name, version, detail } = entry;
  return [at, action, actor, tokenId, address, requestId, name, version, detail];
}

export function toAuditEntry(row: AuditTableRow): AuditEntry {
  return {
    id: Number(row.id),
    at: Number(row.at),
    action: row.action as AuditAction,
    actor: row.actor,
    tokenId: row.token_id,
    address: row.address,
    requestId: row.request_id,
    name: row.name,
    version: row.version,
    detail: row.detail,
  };
}

export function toUsageRow(row: UsageTableRow): UsageRow {
  return {
    name: row.name,
    version: row.version,
    day: row.day,
    renders: Number(row.renders),
    actions: Number(row.actions),
    lastRenderedAt: time(row.last_rendered_at),
  };
}
