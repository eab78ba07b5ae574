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
}

/** What resolving a range needs to know of a version: no manifest, so a name's index stays small. */
export interface VersionEntry {
  version: string;
  deprecated: boolean;
  publishedAt: number;
}

/** One row of `GET /r/components` (the HTTP API's own type). */
export type { ComponentSummary } from '../../runtime/shared/api.js';

export type Scope = 'publish' | 'admin';

/** A token as stored: the SHA-256 of its secret, never the secret. Times in ms since the epoch. */
export interface TokenRow {
  id: string;
  /** Hex SHA-256 of the secret. */
  hash: string;
  label: string;
  scopes: Scope[];
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

/** A token as shown to people (`mikr0 token list`): no hash, no secret. */
export interface TokenInfo {
  id: string;
  label: string;
  scopes: Scope[];
  createdAt: string;
  lastUsedAt: string | null;
  revoked: boolean;
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
  insertVersion(record: Omit<VersionRecord, 'deprecated'>): Promise<boolean>;
  /** Sets or clears (`null`) the deprecation message; false when the version does not exist. */
  setDeprecated(name: string, version: string, message: string | null): Promise<boolean>;
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
