/** Validates a storage key (see StorageDriver) and returns it; throws on a bad one. */
export function assertKey(key: string): string {
  if (typeof key !== 'string' || key.length === 0) throw new TypeError('storage key must be a non-empty string');
  if (key.startsWith('/') || key.includes('\\') || key.includes('\0')) {
    throw new TypeError(`invalid storage key "${key}": keys are relative, '/'-separated and have no NUL bytes`);
  }
  for (const segment of key.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') {
      throw new TypeError(`invalid storage key "${key}": empty, '.' and '..' segments are not allowed`);
    }
  }
  return key;
}

/** Normalises a `getKeys` base: '' for all, else the prefix without a trailing slash. */
export function normalizeBase(base?: string): string {
  if (!base) return '';
  const trimmed = base.replace(/\/+$/, '');
  return trimmed ? assertKey(trimmed) : '';
}
