/**
 * The metadata backend shape (after unjs/unstorage's drivers): a few required async methods,
 * absence is `null`, one file per backend (sqlite.ts, memory.ts; PostgreSQL next). A backend
 * only stores and finds rows: version resolution, caches, token secrets and scope rules live
 * in the backend-neutral layer on top (index.ts), so every backend behaves the same.
 */
import type { Manifest } from '../../bundle/types.js';

/** One published version, as the registry keeps it. */
export interface VersionRecord {
  name: string;
  version: string;
  description: string;
  manifest: Manifest;
  /** Storage prefix of the version's files (unique per upload). */
  prefix: string;
  /** Milliseconds since the epoch. */
  publishedAt: number;
  /** The deprecation message, or null. */
  deprecated: string | null;
  /** When it was unpublished (ms since the epoch), or null. Its row stays, so its number is never used again. */
  unpublishedAt: number | null;
}

/** What resolving a range needs to know of a version: no manifest, so a name's index stays small. */
export interface VersionEntry {
  version: string;
  deprecated: boolean;
  /** Unpublished versions are in the index (their numbers are taken) but no range resolves to them. */
  unpublished: boolean;
  publishedAt: number;
}

/** One row of `GET /r/components` (the HTTP API's own type). */
export type { ComponentSummary } from '../../runtime/shared/api.js';
import type { AuditEntryJson, TokenJson } from '../../runtime/shared/api.js';

export type Scope = 'publish' | 'admin';

/** A token as stored: the SHA-256 of its secret, never the secret. Times in ms since the epoch. */
export interface TokenRow {
  id: string;
  /** Hex SHA-256 of the secret. */
  hash: string;
  label: string;
  scopes: Scope[];
  /** Name patterns the token may publish and deprecate (`*` matches any run of characters); null for every name. */
  names: string[] | null;
  createdAt: number;
  lastUsedAt: number | null;
  /** After this it is refused as expired; null never expires. */
  expiresAt: number | null;
  revokedAt: number | null;
}

/** A token as shown to people (`mikr0 token list`, `GET /r/tokens`): no hash, no secret. */
export type TokenInfo = TokenJson;

export type AuditAction = AuditEntryJson['action'];

/** One line of the audit log, as stored: as `GET /r/audit` shows it, with `at` in ms since the epoch. */
export type AuditEntry = Omit<AuditEntryJson, 'at'> & { at: number };

/** Which entries `listAudit` returns: every given condition holds; newest first. */
export interface AuditQuery {
  /** `at >= since` */
  since?: number;
  /** `at < until` */
  until?: number;
  /** Any of these actions. */
  actions?: AuditAction[];
  /** Exactly this component name. */
  name?: string;
  /** `id < before` (paging). */
  before?: number;
  limit: number;
}

/** Renders and action calls of one version on one UTC day. */
export interface UsageRow {
  name: string;
  version: string;
  /** `YYYY-MM-DD`, UTC. */
  day: string;
  renders: number;
  actions: number;
  /** The last render that day (ms since the epoch), or null. */
  lastRenderedAt: number | null;
}

/**
 * What another process changed: one version (published, deprecated, its manifest replaced),
 * all of one component (`name` only), or, when the backend cannot tell, anything (`{}`).
 * Token changes are not reported: nothing caches tokens.
 */
export interface MetadataChange {
  name?: string;
  version?: string;
}

export interface MetadataBackend {
  /** Short name for logs and errors, e.g. `sqlite`. */
  readonly name: string;

  /** One version, or null. */
  getVersion(name: string, version: string): Promise<VersionRecord | null>;
  /** Every version of `name` as index entries, in any order; [] for an unknown name. */
  listVersions(name: string): Promise<VersionEntry[]>;
  /** Every version of `name` with its manifest, in any order (the detail page; not the render path). */
  getVersions(name: string): Promise<VersionRecord[]>;
  /** Adds a version; false when `name@version` exists. The store's own uniqueness decides races, never a read before the write. */
  insertVersion(record: Omit<VersionRecord, 'deprecated' | 'unpublishedAt'>): Promise<boolean>;
  /** Sets or clears (`null`) the deprecation message; false when the version does not exist. */
  setDeprecated(name: string, version: string, message: string | null): Promise<boolean>;
  /**
   * Marks a version unpublished at `at`; false when it does not exist or is unpublished
   * already. The row stays: `insertVersion` keeps refusing its number.
   */
  unpublishVersion(name: string, version: string, at: number): Promise<boolean>;
  /** `vite dev` only: the component under development changed its schema or actions; false when missing. */
  replaceManifest(name: string, version: string, manifest: Manifest): Promise<boolean>;
  /**
   * Component names whose name or any version's description contains `query` (a plain
   * substring, ASCII case-insensitive; `%` and `_` are ordinary characters), sorted by name,
   * one page of them, and how many there are in all.
   */
  search(query: string, page: number, perPage: number): Promise<{ names: string[]; total: number }>;

  insertToken(row: TokenRow): Promise<void>;
  getToken(id: string): Promise<TokenRow | null>;
  /** Every token, oldest first. */
  listTokens(): Promise<TokenRow[]>;
  /** Records a use of the token. */
  touchToken(id: string, at: number): Promise<void>;
  /** false when there is no such token or it is revoked already. */
  revokeToken(id: string, at: number): Promise<boolean>;

  /** Appends one entry (the backend assigns `id`). The audit log is append-only: no call changes or removes an entry. */
  appendAudit(entry: Omit<AuditEntry, 'id'>): Promise<void>;
  /** Entries matching `query`, newest (highest id) first, at most `query.limit`. */
  listAudit(query: AuditQuery): Promise<AuditEntry[]>;

  /**
   * Adds counts: for each row, `renders` and `actions` are added to what the backend has for
   * (name, version, day) and `lastRenderedAt` becomes the later of the two. Several processes
   * may add to one row at once: no count may be lost.
   */
  addUsage(rows: UsageRow[]): Promise<void>;
  /** The usage rows of every version of `name` on `sinceDay` (`YYYY-MM-DD`) or later, in any order. */
  getUsage(name: string, sinceDay: string): Promise<UsageRow[]>;

  /** Resolves when the store answers, rejects naming why not (for /health). */
  ping(): Promise<void>;
  /**
   * Calls `listener` after ANOTHER backend instance (a replica, another process) committed a
   * change to a version; this instance's own writes are not reported, the layer on
   * top already knows them (a backend that cannot tell them apart may report them too: that
   * costs a re-read, never a wrong answer). Returns the unsubscribe function. SQLite polls
   * `PRAGMA data_version` and reads its change log; PostgreSQL would LISTEN/NOTIFY; a backend
   * whose data no one else can reach (memory) never calls it.
   */
  watch(listener: (change: MetadataChange) => void): () => void;
  /** Releases the connection; the backend is not used afterwards. */
  close(): Promise<void>;
}
