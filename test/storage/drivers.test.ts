import { lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { filesystemDriver, memoryDriver, type StorageDriver } from '../../registry-lite/storage/index.js';
import { describeStorageDriver } from './conformance.js';

const tempFolder = () => mkdtemp(join(tmpdir(), 'mikr0-storage-'));

describeStorageDriver('memory', async () => ({ driver: memoryDriver(), cleanup: async () => {} }));

describeStorageDriver('filesystem', async () => {
  const dir = await tempFolder();
  // A base that does not exist yet, so every test also covers "created on first write".
  return { driver: filesystemDriver({ base: join(dir, 'store') }), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

describe('filesystem driver', () => {
  let dir: string;
  let base: string;
  let driver: StorageDriver;

  beforeEach(async () => {
    dir = await tempFolder();
    base = join(dir, 'store');
    driver = filesystemDriver({ base });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const exists = (path: string) => lstat(path).then(() => true, () => false);

  test('creates the base folder on first write, not before', async () => {
    expect(await driver.getKeys()).toEqual([]);
    expect(await driver.getItemRaw('a')).toBeNull();
    expect(await exists(base)).toBe(false);
    await driver.setItemRaw('a', Uint8Array.of(1));
    expect(await exists(base)).toBe(true);
  });

  test('stores a key as nested files under base and leaves no temp files', async () => {
    for (let i = 0; i < 5; i++) await driver.setItemRaw('hello/1.0.0/template.js', Uint8Array.of(i));
    expect([...(await readFile(join(base, 'hello', '1.0.0', 'template.js')))]).toEqual([4]);
    expect(await readdir(join(base, 'hello', '1.0.0'))).toEqual(['template.js']);
  });

  test('removeItem prunes emptied folders up to, not including, base', async () => {
    await driver.setItemRaw('a/b/c', Uint8Array.of(1));
    await driver.setItemRaw('a/x', Uint8Array.of(1));
    await driver.removeItem('a/b/c');
    expect(await exists(join(base, 'a', 'b'))).toBe(false);
    expect(await exists(join(base, 'a'))).toBe(true);
    await driver.removeItem('a/x');
    expect(await readdir(base)).toEqual([]);
  });

  test('a temp file left by an interrupted write is not listed', async () => {
    await driver.setItemRaw('a/b', Uint8Array.of(1, 2, 3));
    await writeFile(join(base, 'a', '.b.0123456789abcdef.tmp'), 'partial');
    await writeFile(join(base, '.c.fedcba9876543210.tmp'), 'partial');
    expect(await driver.getKeys()).toEqual(['a/b']);
    expect(await driver.getKeys('a')).toEqual(['a/b']);
    expect([...(await driver.getItemRaw('a/b'))!]).toEqual([1, 2, 3]);
  });

  // Decision: a symlink is never an item. It reads as missing (lstat, then O_NOFOLLOW) rather than
  // throwing, and is not listed, so a link planted in base cannot expose files from outside it.
  describe('symlinks planted inside base are not followed', () => {
    let outside: string;
    beforeEach(async () => {
      outside = join(dir, 'outside');
      await mkdir(outside);
      await writeFile(join(outside, 'secret.txt'), 'secret');
      await mkdir(base);
    });

    test.each([
      ['a file outside base', () => join(outside, 'secret.txt')],
      ['/etc/hostname', () => '/etc/hostname'],
    ])('a link to %s reads as missing and is not listed', async (_label, target) => {
      await symlink(target(), join(base, 'leak'));
      expect(await driver.getItemRaw('leak')).toBeNull();
      expect(await driver.hasItem('leak')).toBe(false);
      expect(await driver.getKeys()).toEqual([]);
    });

    test('a linked folder leads nowhere', async () => {
      await symlink(outside, join(base, 'linked'));
      expect(await driver.getItemRaw('linked/secret.txt')).toBeNull();
      expect(await driver.hasItem('linked/secret.txt')).toBe(false);
      expect(await driver.getKeys()).toEqual([]);
      expect(await driver.getKeys('linked')).toEqual([]);
    });

    test('removeItem on a link removes the link, not its target', async () => {
      await symlink(join(outside, 'secret.txt'), join(base, 'leak'));
      await driver.removeItem('leak');
      expect(await exists(join(base, 'leak'))).toBe(false);
      expect(await readFile(join(outside, 'secret.txt'), 'utf8')).toBe('secret');
    });
  });

  test('check() creates a missing base folder', async () => {
    await expect(driver.check!()).resolves.toBeUndefined();
    expect(await readdir(base)).toEqual([]);
  });

  test('check() rejects when base is a file', async () => {
    const file = join(dir, 'not-a-folder');
    await writeFile(file, 'x');
    await expect(filesystemDriver({ base: file }).check!()).rejects.toThrow();
  });
});
