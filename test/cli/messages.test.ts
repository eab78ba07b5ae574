/**
 * What a new user hits in the first hour, each message checked for saying what is true and
 * naming the fix: a registry that is down, a URL with /r, a server that is not a registry,
 * a version already published, a token with no database, a port in use, a folder name
 * with spaces. Real child processes of the built CLI against real servers on random ports.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fixtures, tempDir } from '../helpers.js';
import { closedPort, mikr0, plainServer, startRegistryCli, stopAll, type Running } from './process.js';

let work: string;
let data: string;
let bundle: string;
let registry: Running;
let token: string;

beforeAll(async () => {
  work = await tempDir('mikr0-cli-messages-');
  data = path.join(work, 'data');
  bundle = path.join(work, 'hello');
  await fs.cp(path.join(fixtures, 'hello'), bundle, { recursive: true });
  registry = await startRegistryCli(['--port', '0', '--data', data]);
  token = (await mikr0(['token', 'create', '--scope', 'publish', '--data', data])).stdout.trim();
});

afterAll(async () => {
  await stopAll();
  await fs.rm(work, { recursive: true, force: true });
});

describe('publish', () => {
  test('a registry that is down: no progress claimed, says how to start one or set the URL', async () => {
    const down = await mikr0(['publish', bundle, '-r', `http://127.0.0.1:${await closedPort()}`, '-t', token]);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/error: cannot reach the registry at http:\/\/127\.0\.0\.1:\d+/);
    expect(down.stderr).toContain('mikr0 registry');
    expect(down.stderr).toMatch(/--registry or MIKR0_REGISTRY/);
    expect(down.stderr).not.toMatch(/uploading|100%|packed/);
  });

  test('a URL ending in /r is taken without it, with a note', async () => {
    const result = await mikr0(['publish', bundle, '-r', `${registry.url}/r`, '-t', token]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`using ${registry.url}: a registry URL is its base, without the trailing /r`);
    expect(result.stdout).toBe(`${registry.url}/r/component/hello/1.0.0\n`);
    const ls = await mikr0(['ls', '-r', `${registry.url}/r/`]);
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout).toMatch(/hello\s+1\.0\.0/);
    // Twice over is a typo the note cannot fix alone: the registry's 404 comes with the fix.
    const twice = await mikr0(['ls', '-r', `${registry.url}/r/r`]);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain(`drop the /r from the end of ${registry.url}/r in --registry`);
  });

  test('a version already published: said once, and the fix is the project\'s version, not dist/', async () => {
    await mikr0(['publish', bundle, '-r', registry.url, '-t', token]); // published by now, whatever the test before did
    const again = await mikr0(['publish', bundle, '-r', registry.url, '-t', token]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/error: hello@1\.0\.0 is already published/);
    expect(again.stderr.match(/bump/g)).toHaveLength(1);
    expect(again.stderr).toMatch(/bump "version" in your project's package\.json \(or run: npm version patch\), build again/);
    expect(again.stderr).not.toContain(path.join(bundle, 'package.json'));
  });
});

test('a registry that hangs up on a big upload still gets its say (too big, not "cannot reach")', async () => {
  const config = path.join(work, 'small.config.mjs');
  await fs.writeFile(config, 'export default { limits: { maxBundleBytes: 200 } };\n');
  const small = await startRegistryCli(['-p', '0', '-d', path.join(work, 'small'), '-c', config]);
  const smallToken = (await mikr0(['token', 'create', '--scope', 'publish', '-d', path.join(work, 'small')])).stdout.trim();
  const big = path.join(work, 'big');
  await fs.cp(bundle, big, { recursive: true });
  const pkg = JSON.parse(await fs.readFile(path.join(big, 'package.json'), 'utf8'));
  pkg.mikr0.files.assets.push('noise.bin');
  await fs.writeFile(path.join(big, 'package.json'), JSON.stringify(pkg));
  // Incompressible, so the upload is megabytes: the registry refuses on the declared length and closes.
  await fs.writeFile(path.join(big, 'noise.bin'), (await import('node:crypto')).randomBytes(4_000_000));
  for (const credentials of [['-t', smallToken], ['-t', 'mikr0_aaaaaaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb']]) {
    const result = await mikr0(['publish', big, '-r', small.url, ...credentials]);
    expect(result.code).toBe(1);
    expect(result.stderr).not.toMatch(/cannot reach/);
    expect(result.stderr).toMatch(credentials[1] === smallToken ? /the bundle is too big: the registry accepts at most 200 B/ : /Invalid credentials/);
  }
});

describe('a server that is not a registry', () => {
  const cases = [
    ['501 text/html', 501, 'text/html', '<html><body><h1>Unsupported method</h1></body></html>'],
    ['404 text/html', 404, 'text/html', '<!doctype html><title>Not Found</title><p>Nothing here</p>'],
    ['200 text/html (a single-page app)', 200, 'text/html', '<!doctype html><div id="app"></div>'],
  ] as const;

  test.each(cases)('%s: says so, shows the answer, names --registry, never "retry"', async (_, status, type, body) => {
    const server = await plainServer((_req, res) => res.writeHead(status, { 'content-type': type }).end(body));
    try {
      for (const args of [['publish', bundle, '-t', token], ['ls'], ['info', 'hello']]) {
        const result = await mikr0([...args, '-r', server.url]);
        expect(result.code, args[0]).toBe(1);
        expect(result.stderr).toContain(`error: the server at ${server.url} does not look like a mikr0 registry (it answered ${status}`);
        expect(result.stderr).toContain(body.slice(0, 20));
        expect(result.stderr).toMatch(/check --registry \(or MIKR0_REGISTRY\)/);
        expect(result.stderr).not.toMatch(/retry|uploading|packed/i);
      }
    } finally {
      await server.close();
    }
  });
});

describe('token and registry never leave files where the user did not point', () => {
  test('token create with no --data/--config and no database here refuses, naming the folder and the flags', async () => {
    const cwd = await tempDir();
    const result = await mikr0(['token', 'create', '--scope', 'publish'], cwd);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`error: no registry database at ${path.join(cwd, '.mikr0', 'registry.db')}`);
    expect(result.stderr).toContain(`looked in ${path.join(cwd, '.mikr0')}`);
    expect(result.stderr).toMatch(/--data <folder>.*--config <file>/);
    expect(result.stderr).toContain('--data .mikr0');
    expect(await fs.readdir(cwd)).toEqual([]);

    // Named explicitly, a new database is fine, and said.
    const named = await mikr0(['token', 'create', '--scope', 'publish', '--data', '.mikr0'], cwd);
    expect(named.code, named.stderr).toBe(0);
    expect(named.stderr).toContain(`created a new registry database at ${path.join(cwd, '.mikr0', 'registry.db')}`);
  });

  test('registry on a port in use fails naming the port and --port, and creates nothing', async () => {
    const busy = await plainServer((_req, res) => res.end());
    try {
      const cwd = await tempDir();
      for (const args of [['-p', String(busy.port)], ['-p', String(busy.port), '-d', path.join(cwd, 'fresh')]]) {
        const result = await mikr0(['registry', ...args], cwd);
        expect(result.code).toBe(1);
        expect(result.stderr).toContain(`port ${busy.port} is already in use on 127.0.0.1`);
        expect(result.stderr).toContain('--port');
        expect(await fs.readdir(cwd)).toEqual([]);
      }
    } finally {
      await busy.close();
    }
  });
});

describe('init', () => {
  test('a folder name with spaces and punctuation: a clean npm name, and a quoted cd', async () => {
    const cwd = await tempDir();
    const result = await mikr0(['init', 'My Card!', '--template', 'vanilla'], cwd);
    expect(result.code, result.stderr).toBe(0);
    const pkg = JSON.parse(await fs.readFile(path.join(cwd, 'My Card!', 'package.json'), 'utf8'));
    expect(pkg.name).toBe('my-card');
    expect(result.stdout).toMatch(/^✔ my-card: a vanilla component in My Card! /m);
    expect(result.stdout).toContain("  cd 'My Card!'\n");
  });
});
