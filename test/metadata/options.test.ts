import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createRegistry, memoryBackend, memoryDriver, type RegistryOptions } from '../../registry-lite/index.js';
import { resolveDatabase } from '../../registry-lite/metadata/open.js';
import { resolveStorage } from '../../registry-lite/storage/open.js';
import { publish, startRegistry, type TestRegistry } from '../helpers.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mikr0-options-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('database option', () => {
  test.each<[string, unknown, unknown]>([
    ['default', undefined, { type: 'sqlite', file: '<data>/registry.db' }],
    ['a file', 'meta.db', { type: 'sqlite', file: resolve('meta.db') }],
    [':memory:', ':memory:', { type: 'sqlite', file: ':memory:' }],
    ['sqlite without options', { type: 'sqlite' }, { type: 'sqlite', file: '<data>/registry.db' }],
    ['sqlite with a file', { type: 'sqlite', options: { file: 'x/y.db' } }, { type: 'sqlite', file: resolve('x/y.db') }],
    ['memory', { type: 'memory' }, { type: 'memory' }],
  ])('%s', (_label, option, expected) => {
    const data = join(dir, 'data');
    const spec = JSON.parse(JSON.stringify(resolveDatabase(option, data)).replaceAll(JSON.stringify(data).slice(1, -1), '<data>'));
    expect(spec).toEqual(expected);
  });

  test('a backend object is used as given', () => {
    const backend = memoryBackend();
    expect(resolveDatabase(backend, dir)).toEqual({ type: 'backend', backend });
  });

  test.each<[unknown, RegExp]>([
    ['', /database must not be empty: use a SQLite file path/],
    [42, /database must be a SQLite file path.*\{ type: "memory" \}.*; got number/],
    [null, /got null/],
    [['a.db'], /got an array/],
    [{ type: 'postgres' }, /database\.options\.connectionString must be a URL such as "postgres:\/\/user:password@localhost:5432\/mikr0", got undefined/],
    [{ type: 'pg' }, /database\.type must be "sqlite", "memory" or "postgres", got "pg"/],
    [{ file: 'a.db' }, /database\.type must be "sqlite", "memory" or "postgres", got undefined/],
    [{ type: 'sqlite', options: 'a.db' }, /database\.options must be an object, e\.g\. \{ type: "sqlite", options: \{ file: "registry\.db" \} \}/],
    [{ type: 'sqlite', options: { file: 5 } }, /database\.options\.file must be a file path such as "\.mikr0\/registry\.db"/],
  ])('%j is a TypeError naming the fix', (option, message) => {
    expect(() => resolveDatabase(option, dir)).toThrow(TypeError);
    expect(() => resolveDatabase(option, dir)).toThrow(message);
    // createRegistry checks it before opening anything.
    expect(() => createRegistry({ dataDir: join(dir, 'never'), database: option as RegistryOptions['database'] })).toThrow(message);
    expect(existsSync(join(dir, 'never'))).toBe(false);
  });
});

describe('storage option', () => {
  test('forms: default, filesystem (folder or default), memory, a driver object', () => {
    expect(resolveStorage(undefined, dir).name).toBe('filesystem');
    expect(resolveStorage({ type: 'filesystem' }, dir).name).toBe('filesystem');
    expect(resolveStorage({ type: 'filesystem', options: { folder: join(dir, 'x') } }, dir).name).toBe('filesystem');
    expect(resolveStorage({ type: 'memory' }, dir).name).toBe('memory');
    const driver = memoryDriver();
    expect(resolveStorage(driver, dir)).toBe(driver);
  });

  test.each<[unknown, RegExp]>([
    ['./storage', /storage must be \{ type: "filesystem", options: \{ folder: "\.\/storage" \} \}.*; got string/],
    [{ type: 's4' }, /storage\.type must be "filesystem", "memory", "s3" or "azure", got "s4"/],
    [{ type: 'filesystem', options: [] }, /storage\.options must be an object/],
    [{ type: 'filesystem', options: { folder: '' } }, /storage\.options\.folder must be a folder path such as "\.\/storage"/],
  ])('%j is a TypeError naming the fix', (option, message) => {
    expect(() => resolveStorage(option, dir)).toThrow(TypeError);
    expect(() => createRegistry({ dataDir: dir, storage: option as RegistryOptions['storage'] })).toThrow(message);
  });
});

describe('a registry configured in the seed form', () => {
  let registry: TestRegistry | undefined;
  afterEach(async () => {
    await registry?.close();
    registry = undefined;
  });

  test('sqlite file + filesystem folder: data goes where the options say, and survives a restart', async () => {
    const file = join(dir, 'meta', 'registry.db');
    const folder = join(dir, 'bundles');
    const data = join(dir, 'data');
    registry = await startRegistry({ database: { type: 'sqlite', options: { file } }, storage: { type: 'filesystem', options: { folder } } }, data);
    expect((await publish(registry, 'hello')).status).toBe(201);
    expect(existsSync(file)).toBe(true);
    expect(await readdir(folder)).toContain('hello');
    expect(existsSync(join(data, 'registry.db'))).toBe(false);
    registry = await registry.restart();
    const render = await fetch(`${registry.url}/r/component/hello/1.x?name=Ann`);
    expect(render.status).toBe(200);
    expect((await render.json()).version).toBe('1.0.0');
  });

  test('memory database + memory storage: publishes and renders, writes nothing to disk', async () => {
    const data = join(dir, 'data');
    registry = await startRegistry({ database: { type: 'memory' }, storage: { type: 'memory' } }, data);
    expect((await publish(registry, 'hello')).status).toBe(201);
    const render = await fetch(`${registry.url}/r/component/hello?name=Ann`);
    expect(render.status).toBe(200);
    expect((await render.json()).data.greeting).toBe('Hello, Ann!');
    expect(existsSync(data)).toBe(false);
    // Restarted, a memory registry is empty again.
    registry = await registry.restart();
    expect((await fetch(`${registry.url}/r/component/hello?name=Ann`)).status).toBe(404);
  });

  test('a registry on the memory backend keeps the error behaviour: 400 bad range, 404 unknown, 404 no match', async () => {
    registry = await startRegistry({ database: { type: 'memory' }, storage: { type: 'memory' } });
    expect((await publish(registry, 'hello')).status).toBe(201);
    const error = async (path: string) => {
      const res = await fetch(`${registry!.url}${path}`);
      return [res.status, (await res.json()).error.message];
    };
    expect(await error('/r/component/hello/not-a-range')).toEqual([400, '"not-a-range" is not a version or a semver range (try 1.2.3, 1.x or ^1.2.0)']);
    expect(await error('/r/component/nope/1.0.0')).toEqual([404, 'Component "nope" not found']);
    expect(await error('/r/component/hello/^2.0.0')).toEqual([404, 'hello has no version matching "^2.0.0"']);
  });
});
