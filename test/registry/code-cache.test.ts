/**
 * V8's code cache of server code, stored by the registry after a version's first render: the
 * first render after a restart compiles from it. A cache V8 refuses (damaged, another Node)
 * changes nothing but speed and is replaced; it is never served, and no bundle file can take
 * its place.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { publishServer, startRegistry, type TestRegistry } from '../helpers.js';

let registry: TestRegistry;
beforeAll(async () => {
  registry = await startRegistry();
  await publishServer(registry, 'cached', `const table = ${JSON.stringify(Array.from({ length: 500 }, (_, i) => i * 2))};
module.exports = { loader: ({ parameters }) => ({ value: table[Number(parameters.i)] }) };`);
});
afterAll(() => registry?.close());

async function cacheFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.cache')) found.push(path.join(entry.parentPath, entry.name));
  }
  return found;
}

async function waitForCache(dir: string, differentFrom?: Buffer): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const [file] = await cacheFiles(dir);
    if (file && (!differentFrom || !(await fs.readFile(file)).equals(differentFrom))) return file;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('no code cache was stored');
}

describe('code cache', () => {
  test('stored after the first render, never served, and a damaged one is ignored and replaced', async () => {
    const render = async () => (await (await fetch(`${registry.url}/r/component/cached/1.0.0?i=21`)).json()).data;
    expect(await render()).toEqual({ value: 42 });
    const file = await waitForCache(registry.dataDir);
    expect(path.basename(file)).toMatch(/^server\.cjs\.v8-.+\.cache$/);
    // Outside every bundle's folder: a published file can never be read as a code cache.
    expect(path.relative(path.join(registry.dataDir, 'storage'), file).split(path.sep)[0]).toBe('_v8-cache');
    expect((await fetch(`${registry.url}/r/static/cached/1.0.0/${path.basename(file)}`)).status).toBe(404);

    const garbage = Buffer.from('not a V8 code cache at all'.repeat(20));
    await fs.writeFile(file, garbage);
    registry = await registry.restart();
    expect(await render()).toEqual({ value: 42 });
    // V8 refused it: the process compiled the code itself and a new cache took its place.
    await waitForCache(registry.dataDir, garbage);
  });
});
