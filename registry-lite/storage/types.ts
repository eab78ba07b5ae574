/**
 * The storage driver shape (after unjs/unstorage): a few required methods, optional
 * extras, a missing item is `null`. Keys are `/`-separated relative paths such as
 * `hello/1.0.0/3f9c2a/template.js`; a key with an empty, `.` or `..` segment, a leading
 * `/`, a backslash or a NUL byte is refused with an error (it is a bug in the caller).
 */
export interface StorageDriver {
  /** Short name for logs and /health, e.g. `filesystem`. */
  readonly name: string;
  hasItem(key: string): Promise<boolean>;
  /** The bytes stored under `key`, or `null` when there is none. */
  getItemRaw(key: string): Promise<Uint8Array | null>;
  /** Stores `value` under `key`; a reader never sees a partly written item. */
  setItemRaw(key: string, value: Uint8Array): Promise<void>;
  /** Removes `key`; removing a missing key is not an error. */
  removeItem(key: string): Promise<void>;
  /** Every key that starts with `base` (a folder-like prefix, `hello/1.0.0`), or all keys. */
  getKeys(base?: string): Promise<string[]>;
  /** Throws when the backend cannot be used (for /health). */
  check?(): Promise<void>;
  /** Releases handles; the driver is not used afterwards. */
  dispose?(): Promise<void>;
}
