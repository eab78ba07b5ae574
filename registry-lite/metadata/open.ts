/**
 * `database` as the options give it → the metadata backend to open. The forms, all checked
 * before anything opens:
 *   '<file>' | ':memory:'                           SQLite (the original form)
 *   { type: 'sqlite', options?: { file } }          default file `<dataDir>/registry.db`
 *   { type: 'memory' }                              nothing kept past the process
 *   { type: 'postgres', options: { connectionString, poolSize? } }   PostgreSQL, for replicas
 *   a MetadataBackend object                        used as given (your own backend)
 */
import path from 'node:path';
import { createMetadata, type Metadata } from './index.js';
import type { UsageOptions } from './usage.js';
import { memoryBackend } from './memory.js';
import { postgresBackend } from './postgres.js';
import { explain, postgresTarget } from './postgres-schema.js';
import { sqliteBackend } from './sqlite.js';
import type { MetadataBackend } from './types.js';

export type DatabaseOption =
  | string
  | { type: 'sqlite'; options?: { file?: string } }
  | { type: 'memory'; options?: Record<string, never> }
  | { type: 'postgres'; options: { connectionString: string; poolSize?: number } }
  | MetadataBackend;

/** Where the metadata lives, resolved (files absolute), not opened yet. */
export type DatabaseSpec =
  | { type: 'sqlite'; file: string }
  | { type: 'memory' }
  | { type: 'postgres'; connectionString: string; poolSize?: number }
  | { type: 'backend'; backend: MetadataBackend };

const FORMS =
  'a SQLite file path, ":memory:", { type: "sqlite", options: { file: "registry.db" } }, { type: "memory" }, ' +
  '{ type: "postgres", options: { connectionString: "postgres://user:password@host:5432/mikr0" } } or a metadata backend object';
const TYPES = ['sqlite', 'memory', 'postgres'];
const POSTGRES_URL = /^postgres(ql)?:\/\//;

/**
 * A database given as one string (e.g. `MIKR0_DATABASE_URL`): a `postgres://` or
 * `postgresql://` URL is a PostgreSQL connection string; anything else is a SQLite file, as before.
 */
export function databaseFromUrl(value: string): DatabaseOption {
  return POSTGRES_URL.test(value) ? { type: 'postgres', options: { connectionString: value } } : value;
}

export function resolveDatabase(option: unknown, dataDir: string): DatabaseSpec {
  const fallback = path.join(dataDir, 'registry.db');
  if (option === undefined) return { type: 'sqlite', file: fallback };
  if (typeof option === 'string') {
    if (option === '') throw new TypeError(`database must not be empty: use ${FORMS}`);
    return { type: 'sqlite', file: option === ':memory:' ? option : path.resolve(option) };
  }
  if (typeof option !== 'object' || option === null || Array.isArray(option)) {
    throw new TypeError(`database must be ${FORMS}; got ${option === null ? 'null' : Array.isArray(option) ? 'an array' : typeof option}`);
  }
  if (isBackend(option)) return { type: 'backend', backend: option };
  const { type, options } = option as { type?: unknown; options?: unknown };
  if (typeof type !== 'string' || !TYPES.includes(type)) {
    const names = TYPES.map((t) => `"${t}"`);
    throw new TypeError(`database.type must be ${names.slice(0, -1).join(', ')} or ${names.at(-1)}, got ${JSON.stringify(type)}: use ${FORMS}`);
  }
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
    throw new TypeError(`database.options must be an object, e.g. { type: "sqlite", options: { file: "registry.db" } }`);
  }
  if (type === 'memory') return { type: 'memory' };
  if (type === 'postgres') return resolvePostgres(options as { connectionString?: unknown; poolSize?: unknown } | undefined);
  const file = (options as { file?: unknown } | undefined)?.file;
  if (file === undefined) return { type: 'sqlite', file: fallback };
  if (typeof file !== 'string' || file === '') {
    throw new TypeError(`database.options.file must be a file path such as ".mikr0/registry.db" (or ":memory:"), got ${JSON.stringify(file)}`);
  }
  return { type: 'sqlite', file: file === ':memory:' ? file : path.resolve(file) };
}

function resolvePostgres(options: { connectionString?: unknown; poolSize?: unknown } | undefined): DatabaseSpec {
  const connectionString = options?.connectionString;
  if (typeof connectionString !== 'string' || !POSTGRES_URL.test(connectionString)) {
    throw new TypeError(
      `database.options.connectionString must be a URL such as "postgres://user:password@localhost:5432/mikr0", got ${shown(connectionString)}`,
    );
  }
  const poolSize = options?.poolSize;
  if (poolSize === undefined) return { type: 'postgres', connectionString };
  if (typeof poolSize !== 'number' || !Number.isInteger(poolSize) || poolSize < 1) {
    throw new TypeError(`database.options.poolSize must be a whole number of at least 1 (default 10), got ${JSON.stringify(poolSize)}`);
  }
  return { type: 'postgres', connectionString, poolSize };
}

/** A rejected value for a message; a string that is not a postgres URL may hold a password, so only its start. */
function shown(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value.length > 12 ? `${value.slice(0, 12)}...` : value) : String(value);
}

export function openBackend(spec: DatabaseSpec): MetadataBackend {
  if (spec.type === 'memory') return memoryBackend();
  if (spec.type === 'backend') return spec.backend;
  if (spec.type === 'postgres') return postgresBackend({ connectionString: spec.connectionString, poolSize: spec.poolSize });
  return sqliteBackend({ file: spec.file });
}

/**
 * The backend of `spec` under the metadata layer, its failures explained in one line (for
 * PostgreSQL: the host and the option to fix, never the password).
 */
export function openDatabase(spec: DatabaseSpec, options: { usage?: UsageOptions } = {}): Metadata {
  const backend = openBackend(spec);
  if (spec.type !== 'postgres') return createMetadata(backend, undefined, options);
  const target = postgresTarget(spec.connectionString);
  return createMetadata(backend, (error) => explain(error, target), options);
}

/** For banners and messages: `sqlite /var/lib/mikr0/registry.db`, `postgres db.internal:5432/mikr0`, `memory`. */
export function describeDatabase(spec: DatabaseSpec): string {
  if (spec.type === 'sqlite') return `sqlite ${spec.file}`;
  if (spec.type === 'postgres') {
    // Never the password: only where it points.
    const { host, port, database } = postgresTarget(spec.connectionString);
    return `postgres ${host}:${port}/${database}`;
  }
  return spec.type === 'memory' ? 'memory (nothing kept)' : `${spec.backend.name} backend`;
}

/**
 * The metadata of a registry's options without the registry (no server, no sandbox): what
 * `mikr0 token` works on, so it reaches the same database `mikr0 registry` would.
 */
export function openMetadata(options: { dataDir?: string; database?: DatabaseOption } = {}): Metadata {
  return openDatabase(resolveDatabase(options.database, path.resolve(options.dataDir ?? '.mikr0')));
}

function isBackend(value: object): value is MetadataBackend {
  const candidate = value as Partial<MetadataBackend>;
  return typeof candidate.getVersion === 'function' && typeof candidate.insertVersion === 'function';
}
