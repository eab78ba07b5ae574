import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { StorageDriver } from '../../registry-lite/storage/index.js';

export type MakeStorageDriver = () => Promise<{ driver: StorageDriver; cleanup: () => Promise<void> }>;

const BAD_KEYS = ['../x', '/abs', 'a//b', 'a/./b', 'a\\b', 'a\0b', ''];
const KEYED_OPS = ['hasItem', 'getItemRaw', 'setItemRaw', 'removeItem'] as const;

/** Bytes whose value depends on position and seed, so a shifted or mixed copy does not compare equal. */
function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

function expectBytes(actual: Uint8Array | null, expected: Uint8Array): void {
  expect(actual).toBeInstanceOf(Uint8Array);
  expect(actual!.byteLength).toBe(expected.byteLength);
  // Buffer.compare rather than toEqual: a failing 1 MB diff would drown the report.
  expect(Buffer.compare(actual!, expected)).toBe(0);
}

/** The behaviour every StorageDriver must share; `make` gives a fresh, empty driver per test. */
export function describeStorageDriver(name: string, make: MakeStorageDriver): void {
  describe(`storage driver conformance: ${name}`, () => {
    let driver: StorageDriver;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ driver, cleanup } = await make());
    });
    afterEach(async () => {
      await driver.dispose?.();
      await cleanup();
    });

    test('has a non-empty name', () => {
      expect(driver.name).toMatch(/^\S+$/);
    });

    const big = pattern(64, 1);
    test.each<[string, Uint8Array]>([
      ['empty', new Uint8Array(0)],
      ['0x00 and 0xff', Uint8Array.from([0x00, 0xff, 0x00, 0x00, 0xff, 0xff])],
      ['every byte value', Uint8Array.from({ length: 256 }, (_, i) => i)],
      ['1 MB', pattern(1024 * 1024, 7)],
      ['a view into a larger buffer', new Uint8Array(big.buffer, 10, 20)],
      ['a Buffer', Buffer.from('héllo <script>\n', 'utf8')],
    ])('round trips %s bytes', async (_label, value) => {
      await driver.setItemRaw('a/item.bin', value);
      expect(await driver.hasItem('a/item.bin')).toBe(true);
      expectBytes(await driver.getItemRaw('a/item.bin'), value);
    });

    test.each([
      ['a key never written', 'nope'],
      ['a key below an item', 'item/below'],
      ['a folder-like prefix of an item', 'dir'],
    ])('%s is missing: getItemRaw null, hasItem false, removeItem resolves', async (_label, key) => {
      await driver.setItemRaw('item', Uint8Array.of(1));
      await driver.setItemRaw('dir/x', Uint8Array.of(2));
      expect(await driver.getItemRaw(key)).toBeNull();
      expect(await driver.hasItem(key)).toBe(false);
      await expect(driver.removeItem(key)).resolves.toBeUndefined();
      expect(await driver.getKeys()).toEqual(['dir/x', 'item']);
    });

    test('overwrite replaces the whole value, also with a shorter one', async () => {
      await driver.setItemRaw('k', pattern(4096, 1));
      await driver.setItemRaw('k', Uint8Array.of(9, 8, 7));
      expectBytes(await driver.getItemRaw('k'), Uint8Array.of(9, 8, 7));
      expect(await driver.getKeys()).toEqual(['k']);
    });

    test('removeItem removes only that item', async () => {
      await driver.setItemRaw('a/b/c', Uint8Array.of(1));
      await driver.setItemRaw('a/b/d', Uint8Array.of(2));
      await driver.removeItem('a/b/c');
      expect(await driver.getItemRaw('a/b/c')).toBeNull();
      expect(await driver.hasItem('a/b/c')).toBe(false);
      expectBytes(await driver.getItemRaw('a/b/d'), Uint8Array.of(2));
      expect(await driver.getKeys()).toEqual(['a/b/d']);
    });

    test('removing a missing key resolves, also twice and when nested', async () => {
      await expect(driver.removeItem('missing')).resolves.toBeUndefined();
      await expect(driver.removeItem('no/such/nested/key')).resolves.toBeUndefined();
      await driver.setItemRaw('once', Uint8Array.of(1));
      await driver.removeItem('once');
      await expect(driver.removeItem('once')).resolves.toBeUndefined();
    });

    test('a folder emptied by removeItem can be written to again', async () => {
      await driver.setItemRaw('x/y/z', Uint8Array.of(1));
      await driver.removeItem('x/y/z');
      expect(await driver.getKeys()).toEqual([]);
      await driver.setItemRaw('x/y/w', Uint8Array.of(2));
      expect(await driver.getKeys('x')).toEqual(['x/y/w']);
    });

    const TREE = ['a/b/c', 'a/b/d/e', 'a/bc/x', 'a/b.txt', 'b', 'z/y'];
    test.each<[string | undefined, string[]]>([
      [undefined, ['a/b.txt', 'a/b/c', 'a/b/d/e', 'a/bc/x', 'b', 'z/y']],
      ['', ['a/b.txt', 'a/b/c', 'a/b/d/e', 'a/bc/x', 'b', 'z/y']],
      ['a', ['a/b.txt', 'a/b/c', 'a/b/d/e', 'a/bc/x']],
      ['a/b', ['a/b/c', 'a/b/d/e']],
      ['a/b/', ['a/b/c', 'a/b/d/e']],
      ['a/b/d', ['a/b/d/e']],
      ['a/bc', ['a/bc/x']],
      ['z', ['z/y']],
      ['missing', []],
      ['a/b/missing', []],
      ['b', []], // a base that names an item is not a folder
      ['a/b/c', []],
    ])('getKeys(%j) lists full keys under that folder only', async (base, expected) => {
      for (const key of TREE) await driver.setItemRaw(key, new TextEncoder().encode(key));
      expect(await driver.getKeys(base)).toEqual(expected);
    });

    test('getKeys on an empty store is []', async () => {
      expect(await driver.getKeys()).toEqual([]);
      expect(await driver.getKeys('a/b')).toEqual([]);
    });

    test('keys are returned sorted (code unit order), whatever the write order', async () => {
      const keys = ['m/2', 'b', 'm/10', 'a/z', 'Z', 'm/1', 'a.b', 'a/a'];
      for (const key of keys) await driver.setItemRaw(key, Uint8Array.of(1));
      expect(await driver.getKeys()).toEqual(['Z', 'a.b', 'a/a', 'a/z', 'b', 'm/1', 'm/10', 'm/2']);
      expect(await driver.getKeys('m')).toEqual(['m/1', 'm/10', 'm/2']);
    });

    test('deeply nested keys round trip', async () => {
      const key = 'hello/1.0.0/3f9c2a/assets/deep/er/template.js';
      await driver.setItemRaw(key, Uint8Array.of(1, 2, 3));
      expectBytes(await driver.getItemRaw(key), Uint8Array.of(1, 2, 3));
      expect(await driver.getKeys('hello/1.0.0')).toEqual([key]);
    });

    test.each(['.hidden', '.dir/x', 'a/..b', 'a/b..', '...', 'a b/c-d_e@1.0.0+x'])(
      'dotted and unusual but valid key %j is an ordinary key',
      async (key) => {
        await driver.setItemRaw(key, Uint8Array.of(4, 2));
        expectBytes(await driver.getItemRaw(key), Uint8Array.of(4, 2));
        expect(await driver.getKeys()).toEqual([key]);
        await driver.removeItem(key);
        expect(await driver.getKeys()).toEqual([]);
      },
    );

    test('changing the array given to setItemRaw afterwards does not change the item', async () => {
      const value = Uint8Array.of(1, 2, 3);
      await driver.setItemRaw('k', value);
      value.fill(0);
      expectBytes(await driver.getItemRaw('k'), Uint8Array.of(1, 2, 3));
    });

    test('changing the array returned by getItemRaw does not change the item', async () => {
      await driver.setItemRaw('k', Uint8Array.of(1, 2, 3));
      const first = await driver.getItemRaw('k');
      first!.fill(0);
      expectBytes(await driver.getItemRaw('k'), Uint8Array.of(1, 2, 3));
    });

    test.each(KEYED_OPS.flatMap((op) => BAD_KEYS.map((key) => [op, key] as const)))(
      '%s rejects the bad key %j',
      async (op, key) => {
        const call = op === 'setItemRaw' ? driver.setItemRaw(key, Uint8Array.of(1)) : driver[op](key);
        await expect(call).rejects.toThrow();
        expect(await driver.getKeys()).toEqual([]);
      },
    );

    test.each(BAD_KEYS.filter((key) => key !== ''))('getKeys rejects the bad base %j', async (base) => {
      await expect(driver.getKeys(base)).rejects.toThrow();
    });

    test('20 concurrent writes of different keys are all readable', async () => {
      const keys = Array.from({ length: 20 }, (_, i) => `c/${i % 3}/item-${String(i).padStart(2, '0')}`);
      await Promise.all(keys.map((key, i) => driver.setItemRaw(key, pattern(1000 + i, i))));
      for (const [i, key] of keys.entries()) expectBytes(await driver.getItemRaw(key), pattern(1000 + i, i));
      expect(await driver.getKeys()).toEqual([...keys].sort());
    });

    test('concurrent writes of the same key leave one complete value', async () => {
      const size = 256 * 1024;
      const values = Array.from({ length: 8 }, (_, i) => new Uint8Array(size).fill(i + 1));
      await Promise.all(values.map((value) => driver.setItemRaw('same/key', value)));
      const got = await driver.getItemRaw('same/key');
      expect(got).not.toBeNull();
      expect(got!.byteLength).toBe(size);
      expect(got![0]).toBeGreaterThanOrEqual(1);
      expect(got![0]).toBeLessThanOrEqual(8);
      expect(got!.every((byte) => byte === got![0])).toBe(true);
      expect(await driver.getKeys()).toEqual(['same/key']);
    });

    test('a reader racing writers sees a whole old or new value, never a part', async () => {
      const size = 128 * 1024;
      const values = Array.from({ length: 6 }, (_, i) => new Uint8Array(size).fill(i + 1));
      await driver.setItemRaw('race', values[0]);
      const reads: Promise<Uint8Array | null>[] = [];
      const writes = values.map((value) => {
        reads.push(driver.getItemRaw('race'));
        return driver.setItemRaw('race', value);
      });
      await Promise.all(writes);
      for (const got of await Promise.all(reads)) {
        expect(got).not.toBeNull();
        expect(got!.byteLength).toBe(size);
        expect(got!.every((byte) => byte === got![0])).toBe(true);
      }
    });

    test('removing the last item of a folder while writing another there loses nothing', async () => {
      for (let round = 0; round < 10; round++) {
        await driver.setItemRaw(`f/${round}/old`, Uint8Array.of(1));
        await Promise.all([driver.removeItem(`f/${round}/old`), driver.setItemRaw(`f/${round}/new`, Uint8Array.of(2))]);
        expectBytes(await driver.getItemRaw(`f/${round}/new`), Uint8Array.of(2));
      }
      expect(await driver.getKeys('f')).toHaveLength(10);
    });

    test('check() resolves when defined and leaves no keys behind', async () => {
      if (!driver.check) return;
      await expect(driver.check()).resolves.toBeUndefined();
      expect(await driver.getKeys()).toEqual([]);
    });
  });
}
