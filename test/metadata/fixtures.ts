/** What the metadata conformance suite runs on, and the records and spies its tests use. */
import { expect } from 'vitest';
import type { Manifest } from '../../bundle/types.js';
import type { Metadata } from '../../registry-lite/metadata/index.js';
import type { MetadataBackend, VersionRecord } from '../../registry-lite/metadata/types.js';

export interface MetadataFixture {
  /** A fresh, empty backend. */
  backend: MetadataBackend;
  /**
   * Another instance on the same data (a second process would be another connection to the
   * same SQLite file), or null when no one else can reach this backend's data (memory).
   */
  another(): MetadataBackend | null;
  /** Closes `backend` and opens its data again; null when nothing survives a close (memory). */
  reopen(): Promise<MetadataBackend | null>;
  cleanup(): Promise<void>;
}

export type MakeMetadataBackend = () => Promise<MetadataFixture>;

/** A manifest whose content says which version it belongs to, so a mixed-up record shows. */
export function manifest(tag: string, extra: Partial<Manifest> = {}): Manifest {
  return {
    template: 'template.js',
    server: 'server.cjs',
    css: [],
    parameters: { who: { type: 'string', default: tag } },
    files: { 'template.js': { size: tag.length, gzip: 1, integrity: `sha256-${tag}` } },
    client: ['template.js'],
    actions: [],
    plugins: [],
    dependencies: [],
    ...extra,
  };
}

export function version(name: string, v: string, extra: Partial<VersionRecord> = {}): Omit<VersionRecord, 'deprecated' | 'unpublishedAt'> {
  return { name, version: v, description: `${name} at ${v}`, manifest: manifest(`${name}@${v}`), prefix: `${name}/${v}/abc`, publishedAt: 1_700_000_000_000, ...extra };
}

/** Counts the calls the layer makes to the backend, to prove what its caches serve. */
export function counted(backend: MetadataBackend) {
  const calls: Record<string, number> = {};
  const proxy = new Proxy(backend, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls[String(key)] = (calls[String(key)] ?? 0) + 1;
        return value.apply(target, args);
      };
    },
  });
  return { proxy, calls, reset: () => Object.keys(calls).forEach((key) => delete calls[key]) };
}

export async function eventually<T>(read: () => Promise<T>, expected: T, ms = 1500): Promise<number> {
  const start = Date.now();
  for (;;) {
    const value = await read();
    if (JSON.stringify(value) === JSON.stringify(expected)) return Date.now() - start;
    if (Date.now() - start > ms) {
      expect(value).toEqual(expected);
      return ms;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The behaviour every metadata backend must share, through the backend itself and through the layer on top. */

/** What a part of the suite gets: the backend under test (a reopen may replace it) and the layer over a backend. */
export interface SuiteContext {
  backend(): MetadataBackend;
  /** The backend-neutral layer over `over`; closed after the test. */
  layer(over: MetadataBackend): Metadata;
}
