/**
 * `storage` as the options give it → the driver to use. The forms, checked before anything opens:
 *   undefined                                       filesystem on `<dataDir>/storage`
 *   { type: 'filesystem', options?: { folder } }    default folder `<dataDir>/storage`
 *   { type: 'memory' }                              nothing kept past the process
 *   a StorageDriver object                          used as given
 */
import path from 'node:path';
import { filesystemDriver } from './drivers/filesystem.js';
import { memoryDriver } from './drivers/memory.js';
import type { StorageDriver } from './types.js';

export type StorageOption =
  | StorageDriver
  | { type: 'filesystem'; options?: { folder?: string } }
  | { type: 'memory'; options?: Record<string, never> };

const FORMS = '{ type: "filesystem", options: { folder: "./storage" } }, { type: "memory" } or a storage driver object';
const TYPES = ['filesystem', 'memory'];

export function resolveStorage(option: unknown, dataDir: string): StorageDriver {
  const fallback = path.join(dataDir, 'storage');
  if (option === undefined) return filesystemDriver({ base: fallback });
  if (typeof option !== 'object' || option === null || Array.isArray(option)) {
    throw new TypeError(`storage must be ${FORMS}; got ${option === null ? 'null' : Array.isArray(option) ? 'an array' : typeof option}`);
  }
  if (typeof (option as Partial<StorageDriver>).getItemRaw === 'function') return option as StorageDriver;
  const { type, options } = option as { type?: unknown; options?: unknown };
  if (typeof type !== 'string' || !TYPES.includes(type)) {
    throw new TypeError(`storage.type must be ${TYPES.map((t) => `"${t}"`).join(' or ')}, got ${JSON.stringify(type)}: use ${FORMS}`);
  }
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
    throw new TypeError('storage.options must be an object, e.g. { type: "filesystem", options: { folder: "./storage" } }');
  }
  if (type === 'memory') return memoryDriver();
  const folder = (options as { folder?: unknown } | undefined)?.folder;
  if (folder === undefined) return filesystemDriver({ base: fallback });
  if (typeof folder !== 'string' || folder === '') {
    throw new TypeError(`storage.options.folder must be a folder path such as "./storage", got ${JSON.stringify(folder)}`);
  }
  return filesystemDriver({ base: path.resolve(folder) });
}
