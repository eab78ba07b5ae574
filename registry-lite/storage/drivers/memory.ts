import { assertKey, normalizeBase } from '../keys.js';
import type { StorageDriver } from '../types.js';

/** Keeps items in a Map; for tests and single-process dev servers (nothing survives a restart). */
export function memoryDriver(): StorageDriver {
  const items = new Map<string, Uint8Array>();
  return {
    name: 'memory',
    async hasItem(key) {
      return items.has(assertKey(key));
    },
    async getItemRaw(key) {
      const value = items.get(assertKey(key));
      // A copy, so a caller editing the result cannot change what the next reader gets.
      return value ? new Uint8Array(value) : null;
    },
    async setItemRaw(key, value) {
      // A copy, so a caller reusing its buffer after the call cannot change the stored item.
      items.set(assertKey(key), new Uint8Array(value));
    },
    async removeItem(key) {
      items.delete(assertKey(key));
    },
    async getKeys(base) {
      // Folder-like match, as on disk: base 'a/b' covers 'a/b/c' but neither 'a/bc/x' nor 'a/b' itself.
      const prefix = normalizeBase(base);
      const keys = [...items.keys()];
      return (prefix ? keys.filter((key) => key.startsWith(`${prefix}/`)) : keys).sort();
    },
    async check() {},
    async dispose() {
      items.clear();
    },
  };
}
