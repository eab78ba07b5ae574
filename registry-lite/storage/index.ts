export type { StorageDriver } from './types.js';
export { assertKey, normalizeBase } from './keys.js';
export { memoryDriver } from './drivers/memory.js';
export { filesystemDriver } from './drivers/filesystem.js';
export { s3Driver, type S3DriverOptions } from './drivers/s3.js';
export { azureDriver, type AzureDriverOptions } from './drivers/azure.js';
export { resolveStorage, storageFromUrl, type StorageOption } from './open.js';
