/**
 * `database` as the options give it → the metadata backend to open. The forms, all checked
 * before anything opens:
 *   '<file>' | ':memory:'                           SQLite (the original form)
 *   { type: 'sqlite', options?: { file } }          default file `<dataDir>/registry.db`
 *   { type: 'memory' }                              nothing kept past the process
 *   a MetadataBackend object                        used as given (your own backend)
 */
import path from 'node:path';
import { createMetadata, type Metadata } from './index.js';
import { memoryBackend } from './memory.js';
import { sqliteBackend } from './sqlite.js';
import type { MetadataBackend } from './types.js';

export type DatabaseOption =
  | string
  | { type: 'sqlite'; options?: { file?: string } }
  | { type: 'memory'; options?: Record<string, never> }
  | MetadataBackend;

/** Where the metadata lives, resolved (files absolute), not opened yet. */
export type DatabaseSpec = { type: 'sqlite'; file: string } | { type: 'memory' } | { type: 'backend'; backend: MetadataBackend };

const FORMS = 'a SQLite file path, ":memory:", { type: "sqlite", options: { file: "registry.db" } }, { type: "memory" } or a metadata backend object';
const TYPES = ['sqlite', 'memory'];

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
    throw new TypeError(`database.type must be ${TYPES.map((t) => `"${t}"`).join(' or ')}, got ${JSON.stringify(type)}: use ${FORMS}`);
  }
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
    throw new TypeError(`database.options must be an object, e.g. { type: "sqlite", options: { file: "registry.db" } }`);
  }
  if (type === 'memory') return { type: 'memory' };
  const file = (options as { file?: unknown } | undefined)?.file;
  if (file === undefined) return { type: 'sqlite', file: fallback };
  if (typeof file !== 'string' || file === '') {
    throw new TypeError(`database.options.file must be a file path such as ".mikr0/registry.db" (or ":memory:"), got ${JSON.stringify(file)}`);
  }
  return { type: 'sqlite', file: file === ':memory:' ? file : path.resolve(file) };
}

export function openBackend(spec: DatabaseSpec): MetadataBackend {
  if (spec.type === 'memory') return memoryBackend();
  if (spec.type === 'backend') return spec.backend;
  return sqliteBackend({ file: spec.file });
}

/** For banners and messages: `sqlite /var/lib/mikr0/registry.db`, `memory`. */
export function describeDatabase(spec: DatabaseSpec): string {
  if (spec.type === 'sqlite') return `sqlite ${spec.file}`;
  return spec.type === 'memory' ? 'memory (nothing kept)' : `${spec.backend.name} backend`;
}

/**
 * The metadata of a registry's options without the registry (no server, no sandbox): what
 * `mikr0 token` works on, so it reaches the same database `mikr0 registry` would.
 */
export function openMetadata(options: { dataDir?: string; database?: DatabaseOption } = {}): Metadata {
  return createMetadata(openBackend(resolveDatabase(options.database, path.resolve(options.dataDir ?? '.mikr0'))));
}

function isBackend(value: object): value is MetadataBackend {
  const candidate = value as Partial<MetadataBackend>;
  return typeof candidate.getVersion === 'function' && typeof candidate.insertVersion === 'function';
}
