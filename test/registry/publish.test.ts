import fs from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bundle, fixtureFiles, publish, startRegistry, type TestRegistry } from '../helpers.js';
import { packTarGz } from '../../bundle/pack.js';
import { bundleEntries, rawTarGz } from './archives.js';

let registry: TestRegistry;

beforeAll(async () => {
  registry = await startRegistry({
    limits: { maxBundleBytes: 64 * 1024, maxUnpackedBytes: 256 * 1024, maxFiles: 20 },
    auth: { username: 'admin', password: 's3cret', maxFailures: 5 },
  });
  expect((await publish(registry, 'hello')).status).toBe(201);
});
afterAll(() => registry.close());

const put = (name: string, version: string, body: Uint8Array, auth = `Bearer ${registry.token}`) =>
  fetch(`${registry.url}/r/publish/${name}/${version}`, { method: 'PUT', headers: { Authorization: auth }, body: body as Uint8Array<ArrayBuffer> });

async function storedKeys() {
  const walk = async (dir: string): Promise<string[]> => {
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
    const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)])));
    return nested.flat();
  };
  // The registry's own code caches (written a moment after a first render) are not bundle files.
  return (await walk(path.join(registry.dataDir, 'storage'))).filter((key) => !key.includes(`${path.sep}_v8-cache${path.sep}`)).sort();
}

const listing = async () => (await fetch(`${registry.url}/r/components?per_page=100`)).json();

/**
 * Sends a publish that must be refused, then checks the envelope, that hello still renders,
 * and that nothing new is listed or stored.
 */
async function expectRefused(send: Promise<Response> | (() => Promise<Response>), status: number, message: RegExp) {
  const [listBefore, keysBefore] = await Promise.all([listing(), storedKeys()]);
  const res = await (typeof send === 'function' ? send() : send);
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(status);
  expect(body.error.code).toEqual(expect.any(String));
  expect(body.error.message + JSON.stringify(body.error.details ?? '')).toMatch(message);
  const render = await fetch(`${registry.url}/r/component/hello/1.0.0?name=Ann`);
  expect((await render.json()).data.greeting).toBe('Hello, Ann!');
  expect(await listing()).toEqual(listBefore);
  expect(await storedKeys()).toEqual(keysBefore);
  return body;
}

describe('a good publish', () => {
  test('201 with the integrity the registry computed', async () => {
    const res = await publish(registry, 'hello', { name: 'hello', version: '1.1.0' });
    const body = await res.json();
    expect(res.status).toBe(201);
    expect(body).toMatchObject({ name: 'hello', version: '1.1.0' });
    expect(body.integrity['template.js']).toMatch(/^sha256-[A-Za-z0-9+/]+=*$/);
    expect(Object.keys(body.integrity)).toContain('server.cjs');
    // Clean up the list for the other tests: the refused ones compare against 1.0.0 only.
    await fetch(`${registry.url}/r/components/hello/1.1.0`, {
      method: 'PATCH',
      headers: { Authorization: `Basic ${Buffer.from('admin:s3cret').toString('base64')}` },
      body: JSON.stringify({ deprecated: 'test' }),
    });
  });

  test('an npm pack style archive (everything under package/) is accepted', async () => {
    const files = (await fixtureFiles('hello', { name: 'packed', version: '1.0.0' })).map((f) => ({ ...f, path: `package/${f.path}` }));
    const res = await put('packed', '1.0.0', await packTarGz(files));
    expect(res.status).toBe(201);
    const render = await fetch(`${registry.url}/r/component/packed/1?name=Bo`);
    expect((await render.json()).data.greeting).toBe('Hello, Bo!');
  });

  test('the admin user may publish with Basic auth', async () => {
    const res = await put('basic-auth', '1.0.0', rawTarGz(bundleEntries('basic-auth', '1.0.0')), `Basic ${Buffer.from('admin:s3cret').toString('base64')}`);
    expect(res.status).toBe(201);
  });
});

describe('a bad publish gets its 4xx and changes nothing', () => {
  test.each([
    ['a traversal entry', [{ name: '../evil.js', data: 'x' }], /\.\./],
    ['a nested traversal entry', [{ name: 'a/../../evil.js', data: 'x' }], /\.\./],
    ['an absolute path', [{ name: '/etc/evil', data: 'x' }], /absolute/],
    ['a symlink', [{ name: 'link', type: '2', linkname: '/etc/passwd' }], /link/],
    ['a hard link', [{ name: 'hard', type: '1', linkname: 'template.js' }], /link/],
    ['a character device', [{ name: 'dev', type: '3' }], /device/],
    ['a fifo', [{ name: 'fifo', type: '6' }], /fifo|FIFO|not allowed/],
  ])('%s → 400', async (_label, extra, message) => {
    await expectRefused(() => put('evil', '1.0.0', rawTarGz([...bundleEntries('evil', '1.0.0'), ...extra])), 400, message);
  });

  test('a body that is not a tar.gz → 400', async () => {
    await expectRefused(() => put('evil', '1.0.0', new TextEncoder().encode('{"not":"tar"}')), 400, /gzip/);
  });

  test('an oversize body → 413', async () => {
    await expectRefused(() => put('big', '1.0.0', gzipSync(randomBytes(100 * 1024))), 413, /larger/);
  });

  test('an unpacked size over the limit → 413', async () => {
    const entries = [...bundleEntries('big', '1.0.0'), { name: 'zeros.bin', data: Buffer.alloc(300 * 1024) }];
    await expectRefused(() => put('big', '1.0.0', rawTarGz(entries)), 413, /./);
  });

  test('too many files → 413', async () => {
    const entries = [...bundleEntries('many', '1.0.0'), ...Array.from({ length: 25 }, (_, i) => ({ name: `f${i}.js`, data: 'x' }))];
    await expectRefused(() => put('many', '1.0.0', rawTarGz(entries)), 413, /./);
  });

  test('package.json name differs from the URL → 400 naming both', async () => {
    await expectRefused(() => put('other', '1.0.0', rawTarGz(bundleEntries('hello-x', '1.0.0'))), 400, /hello-x.*other/);
  });

  test('package.json version differs from the URL → 400', async () => {
    await expectRefused(() => put('other', '1.0.0', rawTarGz(bundleEntries('other', '2.0.0'))), 400, /2\.0\.0/);
  });

  test.each([['1.0'], ['v1.0.0'], ['1.x'], ['latest'], ['01.0.0']])('bad semver %s → 400', async (version) => {
    await expectRefused(() => put('other', version, rawTarGz(bundleEntries('other', version))), 400, /semver/);
  });

  test.each([['Upper'], ['.dot'], ['_under'], ['with space'], ['a'.repeat(215)], ['@scope']])('bad name %j → 400', async (name) => {
    await expectRefused(() => put(encodeURIComponent(name), '1.0.0', rawTarGz(bundleEntries(name, '1.0.0'))), 400, /name/);
  });

  test('a missing client entry → 400', async () => {
    const entries = [{ name: 'package.json', data: JSON.stringify({ name: 'x', version: '1.0.0', mikr0: {} }) }];
    await expectRefused(() => put('x', '1.0.0', rawTarGz(entries)), 400, /client entry/);
  });

  test('integrity that does not match the file → 400', async () => {
    const entries = bundleEntries('x', '1.0.0');
    entries[0].data = JSON.stringify({ name: 'x', version: '1.0.0', mikr0: { integrity: { 'template.js': 'sha256-AAAA' } } });
    await expectRefused(() => put('x', '1.0.0', rawTarGz(entries)), 400, /integrity/);
  });

  test('a size that does not match the file → 400', async () => {
    const entries = bundleEntries('x', '1.0.0');
    entries[0].data = JSON.stringify({ name: 'x', version: '1.0.0', mikr0: { sizes: { 'template.js': { raw: 1, gzip: 1 } } } });
    await expectRefused(() => put('x', '1.0.0', rawTarGz(entries)), 400, /size/);
  });

  test('a needed plugin the registry lacks → 400 naming it', async () => {
    await expectRefused(async () => put('x', '1.0.0', await bundle('x', '1.0.0', 'module.exports = {}', { plugins: ['getUser'] })), 400, /getUser/);
  });

  test('a needed dependency outside the allow-list → 400 naming it', async () => {
    await expectRefused(async () => put('x', '1.0.0', await bundle('x', '1.0.0', 'module.exports = {}', { dependencies: ['react'] })), 400, /react/);
  });

  test('a second publish of the same version → 409, the first stays', async () => {
    await expectRefused(() => publish(registry, 'hello'), 409, /already published/);
  });

  test('a body that unpacks fine but is refused leaves no stored files', async () => {
    const body = await bundle('x', '1.0.0', 'module.exports = {}', { plugins: ['nope'] });
    await expectRefused(() => put('x', '1.0.0', body), 400, /nope/);
  });
});

describe('racing publishes', () => {
  test('of the same new version: exactly one 201, the rest 409, the winner intact', async () => {
    const bodies = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        bundle('race', '1.0.0', `module.exports = { loader: () => ({ winner: ${i} }) };`),
      ),
    );
    const results = await Promise.all(bodies.map((body) => put('race', '1.0.0', body)));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(7);
    const winner = results.findIndex((r) => r.status === 201);
    const render = await (await fetch(`${registry.url}/r/component/race/1.0.0`)).json();
    expect(render.data).toEqual({ winner });
    // Only the winner's files are stored.
    const keys = (await storedKeys()).filter((k) => k.includes(`${path.sep}race${path.sep}`));
    expect(keys).toHaveLength(3);
  });
});

describe('credentials', () => {
  test('no credentials → 401 with WWW-Authenticate', async () => {
    const res = await fetch(`${registry.url}/r/publish/x/1.0.0`, { method: 'PUT', body: 'x' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/Basic/);
    expect((await res.json()).error.code).toBe('UNAUTHORIZED');
  });

  test('a publish token may not unpublish, manage tokens or read the audit log (403 naming the admin scope)', async () => {
    for (const [method, route] of [['DELETE', '/r/components/hello/1.0.0'], ['GET', '/r/tokens'], ['GET', '/r/audit']]) {
      const res = await fetch(`${registry.url}${route}`, { method, headers: { Authorization: `Bearer ${registry.token}` } });
      expect(res.status, route).toBe(403);
      expect((await res.json()).error.message).toMatch(/lacks the "admin" scope/);
    }
  });

  test('a credential that keeps failing is locked out (429, Retry-After); a valid token is never refused for it; the failing client is slowed down', async () => {
    const body = rawTarGz(bundleEntries('x', '1.0.0'));
    const wrong = 'Bearer mikr0_aaaaaaaaaaaa_' + 'b'.repeat(32);
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await put('x', '1.0.0', body, wrong)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    // The same credential again: locked out, told when to retry.
    const locked = await expectRefused(async () => {
      const res = await put('x', '1.0.0', body, wrong);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      return res;
    }, 429, /Too many failed attempts with these credentials: they are refused for \d+ s/);
    expect(locked.error.code).toBe('RATE_LIMITED');
    // Another wrong credential from the same client is checked (401), only answered later.
    const started = Date.now();
    expect((await put('x', '1.0.0', body, `Basic ${Buffer.from('admin:wrong').toString('base64')}`)).status).toBe(401);
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    // A valid token from the same client: accepted, at full speed.
    const valid = Date.now();
    const accepted = await put('x', '1.0.0', body);
    expect(accepted.status, await accepted.clone().text()).toBe(201);
    expect(Date.now() - valid).toBeLessThan(400);
  });
});
