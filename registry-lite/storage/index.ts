export type { StorageDriver } from './types.js';
export { assertKey, normalizeBase } from './keys.js';
export { memoryDriver } from './drivers/memory.js';
export { filesystemDriver } from './drivers/filesystem.js';
