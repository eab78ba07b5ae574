/**
 * V8's code cache of each version's server code, shared by the pool's processes: the first
 * process to compile a version makes it, the others (and, through `store`, the registry
 * after a restart) skip most of the compile. Kept in memory as base64, as it travels to the
 * processes.
 */
import { LRUCache } from 'lru-cache';
import type { Logger, SandboxOptions } from './index.js';

export interface CodeCache {
  /** The cache of `key` (`name@version`), from memory or the store; undefined when there is none. */
  get(key: string, name: string, version: string): Promise<string | undefined>;
  /** A process made a cache for `key` (it had none, or V8 refused it): kept for the others, and stored. */
  keep(key: string, data: string): void;
}

export function createCodeCache(store: SandboxOptions['codeCache'], logger: Logger): CodeCache {
  const known = new LRUCache<string, string>({ maxSize: 64 * 1024 * 1024, sizeCalculation: (v) => v.length || 1 });

  return {
    async get(key, name, version) {
      const data = known.get(key);
      if (data !== undefined || !store) return data;
      const stored = await store.load(name, version).catch(() => null);
      if (!stored) return undefined;
      const encoded = Buffer.from(stored).toString('base64');
      known.set(key, encoded);
      return encoded;
    },
    keep(key, data) {
      known.set(key, data);
      if (!store) return;
      const at = key.lastIndexOf('@');
      store.save(key.slice(0, at), key.slice(at + 1), Buffer.from(data, 'base64')).catch((error) => {
        logger.warn(`mikr0 sandbox: could not store the code cache of ${key}: ${error?.message ?? error}`);
      });
    },
  };
}
