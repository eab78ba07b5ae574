import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, mkdir, readdir, readFile, realpath, rename, rm, rmdir, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { assertKey, normalizeBase } from '../keys.js';
import type { StorageDriver } from '../types.js';

/** Names of in-flight (or abandoned) atomic writes: `.<file>.<16 hex>.tmp`; never listed as keys. */
const TEMP_FILE = /^\..*\.[0-9a-f]{16}\.tmp$/;
/** Errors that mean "no such item": ENOTDIR when a parent segment is a file, ELOOP from O_NOFOLLOW on a symlink. */
const MISSING = new Set(['ENOENT', 'ENOTDIR', 'EISDIR', 'ELOOP']);
/** Windows has no O_NOFOLLOW; there the lstat check alone keeps symlinks out. */
const READ_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0);

const code = (error: unknown) => (error as NodeJS.ErrnoException | null)?.code;
const tempName = (file: string) => `.${file}.${randomBytes(8).toString('hex')}.tmp`;
const isFolder = (path: string) => lstat(path).then((stats) => stats.isDirectory(), () => false);

/** Strictly below `root`; a segment such as `..a` is a legal key, so only a whole `..` segment escapes. */
function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/**
 * Stores each key as a file under `base` (`hello/1.0.0/x.js` → `<base>/hello/1.0.0/x.js`).
 * Symlinks are never items: a link planted inside base (to a file or a folder) reads as missing
 * and is not listed, so it cannot leak files from outside base.
 */
export function filesystemDriver(options: { base: string }): StorageDriver {
  const root = resolve(options.base);
  let realRoot: string | undefined;

  function pathFor(key: string): string {
    const path = resolve(root, ...assertKey(key).split('/'));
    // assertKey already refuses escapes; this guards against a gap in it or a platform path quirk.
    if (!isInside(root, path)) throw new Error(`storage key "${key}" resolves outside the storage folder`);
    return path;
  }

  /** Whether `path`, with every symlink resolved, is still below base; false when it does not exist. */
  async function reallyInside(path: string): Promise<boolean> {
    try {
      realRoot ??= await realpath(root);
      return isInside(realRoot, await realpath(path));
    } catch (error) {
      if (MISSING.has(code(error)!)) return false;
      throw error;
    }
  }

  /** The path of `key` when it is a regular file really inside base, else null. */
  async function itemPath(key: string): Promise<string | null> {
    const path = pathFor(key);
    try {
      // lstat: a symlink is not an item; realpath: nor is a file reached through a symlinked folder.
      return (await lstat(path)).isFile() && (await reallyInside(path)) ? path : null;
    } catch (error) {
      if (MISSING.has(code(error)!)) return null;
      throw error;
    }
  }

  async function walk(dir: string, prefix: string, keys: string[]): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (MISSING.has(code(error)!)) return; // no such folder, or base names an item: no keys
      throw error;
    }
    await Promise.all(
      entries.map((entry) => {
        const key = prefix ? `${prefix}/${entry.name}` : entry.name;
        if (entry.isDirectory()) return walk(join(dir, entry.name), key, keys);
        if (entry.isFile() && !TEMP_FILE.test(entry.name)) keys.push(key);
      }),
    );
  }

  return {
    name: 'filesystem',
    async hasItem(key) {
      return (await itemPath(key)) !== null;
    },
    async getItemRaw(key) {
      const path = await itemPath(key);
      if (!path) return null;
      try {
        const data = await readFile(path, { flag: READ_FLAGS }); // O_NOFOLLOW: a link swapped in after lstat
        return new Uint8Array(data.buffer, data.byteOffset, data.byteLength); // a plain Uint8Array, like the other drivers
      } catch (error) {
        if (MISSING.has(code(error)!)) return null;
        throw error;
      }
    },
    async setItemRaw(key, value) {
      const path = pathFor(key);
      const temp = join(dirname(path), tempName(basename(path)));
      // Retry: a concurrent removeItem may prune the (momentarily empty) folder between mkdir and write.
      for (let attempt = 1; ; attempt++) {
        try {
          await mkdir(dirname(path), { recursive: true });
          await writeFile(temp, value);
          break;
        } catch (error) {
          if (code(error) !== 'ENOENT' || attempt === 3) throw error;
        }
      }
      // rename within one folder is atomic: readers see the old item or the new one, never a part.
      await rename(temp, path).catch(async (error) => {
        await rm(temp, { force: true });
        throw error;
      });
    },
    async removeItem(key) {
      const path = pathFor(key);
      try {
        await unlink(path);
      } catch (error) {
        // A folder is not an item either (Linux reports EISDIR, macOS EPERM).
        if (MISSING.has(code(error)!) || (await isFolder(path))) return;
        throw error;
      }
      // Prune emptied folders so removed components leave nothing for getKeys to walk.
      for (let dir = dirname(path); isInside(root, dir); dir = dirname(dir)) {
        if (!(await rmdir(dir).then(() => true, () => false))) return; // not empty (or raced): stop
      }
    },
    async getKeys(base) {
      const prefix = normalizeBase(base);
      const start = prefix ? pathFor(prefix) : root;
      // readdir would follow a symlinked start folder; walk itself never enters links below it.
      if (prefix && !(await reallyInside(start))) return [];
      const keys: string[] = [];
      await walk(start, prefix, keys);
      return keys.sort();
    },
    async check() {
      await mkdir(root, { recursive: true });
      const probe = join(root, tempName('check')); // a temp name, so a crashed probe is never listed
      await writeFile(probe, 'ok');
      await rm(probe, { force: true });
    },
    async dispose() {},
  };
}
