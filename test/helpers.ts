/** Test helpers: real registries on random loopback ports, temp data folders, packed fixtures. */
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRegistry, type RegistryOptions } from '../registry-lite/index.js';
import { collectFiles, packTarGz } from '../bundle/pack.js';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const fixtures = path.join(root, 'test', 'fixtures');
/** The built CLI (the package's bin), run as a child process as `npx mikr0` runs it. */
export const cli = path.join(root, 'dist', 'cli', 'index.js');

export async function tempDir(prefix = 'mikr0-test-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

/** Silent logger that keeps what it was told, so tests can assert on the log. */
export function memoryLogger() {
  const lines: string[] = [];
  return { lines, info: (m: string) => void lines.push(m), warn: (m: string) => void lines.push(m), error: (m: string) => void lines.push(m) };
}

export interface TestRegistry {
  url: string;
  token: string;
  dataDir: string;
  logger: ReturnType<typeof memoryLogger>;
  close(): Promise<void>;
  /** Stops and starts again on the same data folder (a restart). */
  restart(): Promise<TestRegistry>;
}

export async function startRegistry(options: RegistryOptions = {}, dataDir?: string): Promise<TestRegistry> {
  const dir = dataDir ?? (await tempDir());
  const logger = memoryLogger();
  const registry = createRegistry({ dataDir: dir, workers: 1, logger, ...options });
  const { url } = await registry.listen(0);
  const { token } = await registry.tokens.create(['publish'], 'tests');
  return {
    url,
    token,
    dataDir: dir,
    logger,
    close: () => registry.close(),
    async restart() {
      await registry.close();
      return startRegistry(options, dir);
    },
  };
}

/** The files of a fixture bundle, with package.json changes applied. */
export async function fixtureFiles(name: string, pkg: Record<string, unknown> = {}) {
  const files = await collectFiles(path.join(fixtures, name));
  return files.map((file) => {
    if (file.path !== 'package.json') return file;
    const json = { ...JSON.parse(Buffer.from(file.data).toString('utf8')), ...pkg };
    return { path: file.path, data: new TextEncoder().encode(JSON.stringify(json)) };
  });
}

export async function packFixture(name: string, pkg: Record<string, unknown> = {}): Promise<Uint8Array> {
  return packTarGz(await fixtureFiles(name, pkg));
}

/** Publishes a fixture (optionally under another name/version) and returns the response. */
export async function publish(
  registry: Pick<TestRegistry, 'url' | 'token'>,
  fixture: string,
  { name, version, body, auth }: { name?: string; version?: string; body?: Uint8Array; auth?: string } = {},
) {
  const pkg = JSON.parse(await fs.readFile(path.join(fixtures, fixture, 'package.json'), 'utf8'));
  const n = name ?? pkg.name;
  const v = version ?? pkg.version;
  return putBundle(registry, n, v, body ?? (await packFixture(fixture, { name: n, version: v })), auth);
}

/** Publishes a built bundle folder (e.g. a project's dist/) under the name and version of its package.json. */
export async function publishDir(registry: Pick<TestRegistry, 'url' | 'token'>, dir: string) {
  const pkg = JSON.parse(await fs.readFile(path.join(dir, 'package.json'), 'utf8'));
  return putBundle(registry, pkg.name, pkg.version, await packTarGz(await collectFiles(dir)));
}

function putBundle(registry: Pick<TestRegistry, 'url' | 'token'>, name: string, version: string, body: Uint8Array, auth?: string) {
  return fetch(`${registry.url}/r/publish/${name}/${version}`, {
    method: 'PUT',
    headers: { Authorization: auth ?? `Bearer ${registry.token}`, 'Content-Type': 'application/gzip' },
    body: body as Uint8Array<ArrayBuffer>,
  });
}

/** Writes a one-off bundle (package.json + server.cjs + template.js) into a temp folder and packs it. */
export async function bundle(name: string, version: string, server: string | null, mikr0: Record<string, unknown> = {}) {
  const files = [
    { path: 'package.json', data: new TextEncoder().encode(JSON.stringify({ name, version, mikr0: { files: { template: 'template.js', ...(server === null ? {} : { server: 'server.cjs' }) }, ...mikr0 } })) },
    { path: 'template.js', data: new TextEncoder().encode('export function mount(el, data) { el.textContent = JSON.stringify(data); }') },
  ];
  if (server !== null) files.push({ path: 'server.cjs', data: new TextEncoder().encode(server) });
  return packTarGz(files);
}

/** Publishes a hand-written `server.cjs` as `name@version`; expects the registry to accept it. */
export async function publishServer(registry: Pick<TestRegistry, 'url' | 'token'>, name: string, server: string | null, version = '1.0.0') {
  const res = await fetch(`${registry.url}/r/publish/${name}/${version}`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${registry.token}` },
    body: (await bundle(name, version, server)) as Uint8Array<ArrayBuffer>,
  });
  if (res.status !== 201) throw new Error(`publishing ${name}@${version} answered ${res.status}: ${await res.text()}`);
}

/**
 * GET with the path sent exactly as written: fetch normalises `..` and `%2e%2e` away,
 * and an attacker's client does not.
 */
export function rawGet(base: string, rawPath: string): Promise<{ status: number; headers: import('node:http').IncomingHttpHeaders; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, path: rawPath, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
