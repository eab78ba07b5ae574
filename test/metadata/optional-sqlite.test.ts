/**
 * better-sqlite3 is an optional dependency: without it (not installed, or installed without its
 * native build) the memory backend still works, and opening SQLite fails with one message that
 * names the fix, from createRegistry and from the CLI. Child processes of the built dist/ (build
 * once first), started with a preload that makes the package unloadable the way npm leaves it:
 * `missing` (--omit=optional, or a failed optional install) or `unbuilt` (--ignore-scripts).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cli, root, tempDir } from '../helpers.js';

const run = promisify(execFile);
const MESSAGE = /needs the optional package better-sqlite3.*npm install better-sqlite3.*database: \{ type: 'memory' \}/;

// CommonJS preload: better-sqlite3 is required through createRequire, i.e. Module._load.
const HOOK = `const Module = require('node:module');
const load = Module._load;
Module._load = function (request, ...rest) {
  const mode = process.env.SQLITE_TEST_MODE;
  if (mode === 'missing' && (request === 'better-sqlite3' || request.startsWith('better-sqlite3/'))) {
    throw Object.assign(new Error("Cannot find module '" + request + "'"), { code: 'MODULE_NOT_FOUND' });
  }
  if (mode === 'unbuilt' && request === 'bindings') {
    return () => { throw new Error('Could not locate the bindings file. Tried:\\n → build/Release/better_sqlite3.node'); };
  }
  return load.call(this, request, ...rest);
};
`;

// What a program using the registry does: memory first (must work), then the default SQLite.
const SCRIPT = `
const { createRegistry } = await import(process.env.REGISTRY_URL);
const dataDir = process.env.DATA_DIR;
const logger = { info() {}, warn() {}, error() {} };
const memory = createRegistry({ dataDir, database: { type: 'memory' }, storage: { type: 'memory' }, workers: 1, logger });
const { token } = await memory.tokens.create(['publish'], 'test');
await memory.close();
let sqlite;
try {
  const registry = createRegistry({ dataDir, workers: 1, logger });
  await registry.close();
  sqlite = { opened: true };
} catch (error) {
  sqlite = { message: error.message, code: error.code };
}
console.log(JSON.stringify({ memoryToken: typeof token, sqlite }));
`;

let dir = '';
let hook = '';
beforeAll(async () => {
  dir = await tempDir('mikr0-nosqlite-');
  hook = path.join(dir, 'no-sqlite.cjs');
  await fs.writeFile(hook, HOOK);
});
afterAll(async () => {
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

const env = (mode: string) => ({
  ...process.env,
  NO_COLOR: '1',
  SQLITE_TEST_MODE: mode,
  REGISTRY_URL: pathToFileURL(path.join(root, 'dist/registry-lite/index.js')).href,
  DATA_DIR: path.join(dir, `data-${mode}`),
});

async function node(args: string[], mode: string) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--require', hook, ...args], { env: env(mode), cwd: dir, timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe.each(['missing', 'unbuilt'])('better-sqlite3 %s', (mode) => {
  test('createRegistry: the memory database works, the default SQLite one throws the message naming the fix', async () => {
    const { code, stdout, stderr } = await node(['--input-type=module', '-e', SCRIPT], mode);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.memoryToken).toBe('string');
    expect(result.sqlite.code).toBe('MIKR0_SQLITE_MISSING');
    expect(result.sqlite.message).toMatch(MESSAGE);
  });

  test('mikr0 registry and mikr0 token exit non-zero with the message, not a stack', async () => {
    for (const args of [['registry', '--port', '0', '-d', path.join(dir, `cli-${mode}`)], ['token', 'create', '--scope', 'publish', '-d', path.join(dir, `cli-${mode}`)]]) {
      const { code, stdout, stderr } = await node([cli, ...args], mode);
      expect(code, args[0]).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toMatch(MESSAGE);
      expect(stderr).not.toMatch(/\n\s+at /);
    }
  });
});

test('without the preload, the same child opens the default SQLite database (the hook is what fails it)', async () => {
  const { code, stdout } = await node(['--input-type=module', '-e', SCRIPT], 'none');
  expect(code).toBe(0);
  expect(JSON.parse(stdout).sqlite).toEqual({ opened: true });
});
