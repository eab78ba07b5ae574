/**
 * Operating a shared registry (issue 15), against a real `mikr0 registry` process on a SQLite
 * file: scoped and expiring tokens, token management over HTTP, the audit log, usage counts
 * that survive a restart, and unpublish with its guard.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { AuditEntryJson, AuditPage, ComponentDetail, CreatedToken, TokenJson } from '../../runtime/shared/api.js';
import { bundle, tempDir } from '../helpers.js';
import { mikr0, startRegistryCli, stop, stopAll, type Running } from '../cli/process.js';

let dir: string;
let registry: Running;
let adminToken: string;
const basic = `Basic ${Buffer.from('ops:s3cret-pass').toString('base64')}`;

async function start() {
  registry = await startRegistryCli(['--port', '0', '--data', dir, '--config', path.join(dir, 'mikr0.config.mjs')]);
}

beforeAll(async () => {
  dir = await tempDir('mikr0-operators-');
  await fs.writeFile(path.join(dir, 'mikr0.config.mjs'), `export default { auth: { username: 'ops', password: 's3cret-pass' } };\n`);
  const created = await mikr0(['token', 'create', '--scope', 'admin', '--label', 'root', '--data', dir]);
  expect(created.code, created.stderr).toBe(0);
  adminToken = created.stdout.trim();
  await start();
});
afterAll(async () => {
  await stopAll();
  await fs.rm(dir, { recursive: true, force: true });
});

const call = (route: string, init: RequestInit & { auth?: string; json?: unknown } = {}) =>
  fetch(`${registry.url}${route}`, {
    ...init,
    headers: {
      ...(init.auth ? { authorization: init.auth } : {}),
      ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(init.headers as Record<string, string>),
    },
    body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
  });

const admin = () => `Bearer ${adminToken}`;

async function createToken(body: Record<string, unknown>): Promise<CreatedToken> {
  const res = await call('/r/tokens', { method: 'POST', auth: admin(), json: body });
  expect(res.status, await res.clone().text()).toBe(201);
  return res.json();
}

async function put(name: string, version: string, token: string, server: string | null = `module.exports = { loader: () => ({ ok: true }) };`) {
  return fetch(`${registry.url}/r/publish/${name}/${version}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'x-request-id': `publish-${name}-${version}`.replace(/[@/]/g, '_') },
    body: (await bundle(name, version, server)) as Uint8Array<ArrayBuffer>,
  });
}

async function audit(query = ''): Promise<AuditEntryJson[]> {
  const res = await call(`/r/audit${query}`, { auth: admin() });
  expect(res.status, await res.clone().text()).toBe(200);
  return ((await res.json()) as AuditPage).entries;
}

describe('scoped tokens', () => {
  test('a token with name patterns publishes and deprecates only matching names; 403 names the patterns', async () => {
    const { token, info } = await createToken({ scopes: ['publish'], label: 'checkout-ci', names: '@checkout/*, header' });
    expect(info.names).toEqual(['@checkout/*', 'header']);
    expect((await put('@checkout/cart', '1.0.0', token)).status).toBe(201);
    expect((await put('header', '1.0.0', token)).status).toBe(201);
    const refused = await put('footer', '1.0.0', token);
    expect(refused.status).toBe(403);
    const { error } = await refused.json();
    expect(error.message).toContain('@checkout/*, header');
    expect(error.message).toContain('"footer"');
    // Another team's scope, and a name that only starts like an allowed one.
    expect((await put('@payments/cart', '1.0.0', token)).status).toBe(403);
    expect((await put('header-v2', '1.0.0', token)).status).toBe(403);
    // Deprecating: its own names yes, another's no.
    const own = await call('/r/components/@checkout/cart/1.0.0', { method: 'PATCH', auth: `Bearer ${token}`, json: { deprecated: 'use 2' } });
    expect(own.status).toBe(200);
    expect((await call('/r/components/@checkout/cart/1.0.0', { method: 'PATCH', auth: `Bearer ${token}`, json: { deprecated: false } })).status).toBe(200);
    const adminsOwn = await put('footer', '1.0.0', adminToken);
    expect(adminsOwn.status).toBe(201);
    const other = await call('/r/components/footer/1.0.0', { method: 'PATCH', auth: `Bearer ${token}`, json: { deprecated: 'x' } });
    expect(other.status).toBe(403);
    expect((await other.json()).error.message).toContain('@checkout/*, header');
    // An unscoped publish token still publishes any name.
    const { token: any } = await createToken({ scopes: ['publish'], label: 'anything' });
    expect((await put('@payments/cart', '1.0.0', any)).status).toBe(201);
  });

  test('an expired token gets 401 saying it expired; a revoked one saying so', async () => {
    const { token, info } = await createToken({ scopes: ['publish'], label: 'short', expires: '1s' });
    expect(Date.parse(info.expiresAt!) - Date.parse(info.createdAt)).toBe(1000);
    expect((await put('short-lived', '1.0.0', token)).status).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const res = await put('short-lived', '1.0.1', token);
    expect(res.status).toBe(401);
    const { error } = await res.json();
    expect(error.message).toMatch(/expired at \d{4}-\d\d-\d\dT/);
    expect(error.message).toContain('mikr0 token create');
    const listed = ((await (await call('/r/tokens', { auth: admin() })).json()).tokens as TokenJson[]).find((t) => t.id === info.id)!;
    expect(listed.expired).toBe(true);

    const { token: doomed, info: doomedInfo } = await createToken({ scopes: ['publish'], label: 'doomed' });
    const revoked = await call(`/r/tokens/${doomedInfo.id}`, { method: 'DELETE', auth: admin() });
    expect(revoked.status).toBe(200);
    const after = await put('short-lived', '1.0.2', doomed);
    expect(after.status).toBe(401);
    expect((await after.json()).error.message).toContain('revoked');
    expect((await call(`/r/tokens/${doomedInfo.id}`, { method: 'DELETE', auth: admin() })).status).toBe(404);
  });

  test('bad token requests are 400s naming the fix, and nothing is created', async () => {
    const before = ((await (await call('/r/tokens', { auth: admin() })).json()).tokens as TokenJson[]).length;
    for (const [body, words] of [
      [{ scopes: ['publish'], expires: '30x' }, 's, m, h or d'],
      [{ scopes: ['owner'] }, 'Unknown scope'],
      [{ scopes: ['publish'], names: 'Bad Name' }, 'not a name pattern'],
      [{ scopes: ['publish'], names: '' }, 'empty'],
      [{ scopes: ['admin'], names: '@x/*' }, 'admin token manages the whole registry'],
      [[], 'scopes'],
    ] as const) {
      const res = await call('/r/tokens', { method: 'POST', auth: admin(), json: body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect((await res.json()).error.message).toContain(words);
    }
    expect(((await (await call('/r/tokens', { auth: admin() })).json()).tokens as TokenJson[]).length).toBe(before);
  });
});

describe('token management over HTTP', () => {
  test('a 401 challenges for Basic only where an admin user is configured (browsers answer Basic with a dialog)', async () => {
    expect((await call('/r/tokens')).headers.get('www-authenticate')).toBe('Basic realm="mikr0", Bearer realm="mikr0"');
    const otherDir = await tempDir('mikr0-no-admin-');
    const other = await startRegistryCli(['--port', '0', '--data', otherDir]);
    const res = await fetch(`${other.url}/r/tokens`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="mikr0"');
    expect((await res.json()).error.message).not.toContain('admin user');
    await stop(other.child);
    await fs.rm(otherDir, { recursive: true, force: true });
  });

  test('admin only: a publish token gets 403, no credentials 401', async () => {
    const { token } = await createToken({ scopes: ['publish'], label: 'not-admin' });
    for (const [method, route] of [['GET', '/r/tokens'], ['POST', '/r/tokens'], ['DELETE', '/r/tokens/abc'], ['GET', '/r/audit']] as const) {
      const json = method === 'POST' ? { scopes: ['admin'] } : undefined;
      expect((await call(route, { method, auth: `Bearer ${token}`, json })).status).toBe(403);
      expect((await call(route, { method, json })).status).toBe(401);
    }
  });

  test('the list shows label, scope, names, dates and expiry, never a secret or hash; whoami says who', async () => {
    const { token, info } = await createToken({ scopes: ['publish'], label: 'listed', names: ['@team/*'], expires: '30d' });
    await call('/r/whoami', { auth: `Bearer ${token}` });
    const text = await (await call('/r/tokens', { auth: admin() })).text();
    expect(text).not.toContain(token.slice(19));
    expect(text).not.toMatch(/"hash"|[0-9a-f]{64}/);
    const listed = (JSON.parse(text).tokens as TokenJson[]).find((t) => t.id === info.id)!;
    expect(listed).toMatchObject({ label: 'listed', scopes: ['publish'], names: ['@team/*'], expired: false, revoked: false });
    expect(Date.parse(listed.expiresAt!) - Date.parse(listed.createdAt)).toBe(30 * 86_400_000);
    expect(listed.lastUsedAt).not.toBeNull();
    const me = await (await call('/r/whoami', { auth: `Bearer ${token}` })).json();
    expect(me).toMatchObject({ actor: 'listed', kind: 'token', tokenId: info.id, scopes: ['publish'], names: ['@team/*'] });
    expect(await (await call('/r/whoami', { auth: basic })).json()).toMatchObject({ actor: 'admin "ops"', kind: 'admin', scopes: ['admin'] });
  });
});

describe('audit log', () => {
  test('every listed action is recorded with time, actor, address and request id; filters work', async () => {
    const start = Date.now();
    const { token, info } = await createToken({ scopes: ['publish'], label: 'audited', names: ['audited-*'] });
    expect((await put('audited-card', '1.0.0', token)).status).toBe(201);
    const id = { 'x-request-id': 'audit-trace-1' };
    await call('/r/components/audited-card/1.0.0', { method: 'PATCH', auth: `Bearer ${token}`, json: { deprecated: 'old' }, headers: id });
    await call('/r/components/audited-card/1.0.0', { method: 'PATCH', auth: basic, json: { deprecated: false } });
    expect((await call('/r/components/audited-card/1.0.0?force=true', { method: 'DELETE', auth: basic })).status).toBe(200);
    await call(`/r/tokens/${info.id}`, { method: 'DELETE', auth: admin(), headers: { 'x-request-id': 'revoke-1' } });
    await put('audited-card', '2.0.0', `mikr0_${info.id}_${'x'.repeat(32)}`);

    const entries = (await audit(`?since=${start}`)).reverse();
    const actions = entries.map((e) => `${e.action} ${e.actor}`);
    expect(actions).toEqual([
      'token.create root',
      'publish audited',
      'deprecate audited',
      'undeprecate admin "ops"',
      'unpublish admin "ops"',
      'token.revoke root',
      `auth.failure token ${info.id}`,
    ]);
    for (const entry of entries) {
      expect(Date.parse(entry.at)).toBeGreaterThanOrEqual(start - 1000);
      expect(entry.address).toMatch(/127\.0\.0\.1/);
      expect(entry.requestId).toBeTruthy();
    }
    expect(entries[1]).toMatchObject({ name: 'audited-card', version: '1.0.0', tokenId: info.id, requestId: 'publish-audited-card-1.0.0' });
    expect(entries[2]).toMatchObject({ requestId: 'audit-trace-1', detail: 'old' });
    expect(entries[5]).toMatchObject({ requestId: 'revoke-1' });
    expect(entries[5].detail).toContain(info.id);
    expect(entries[6].detail).toContain('wrong token');

    expect((await audit(`?since=${start}&action=publish`)).map((e) => e.action)).toEqual(['publish']);
    expect((await audit(`?since=${start}&action=deprecate,undeprecate`)).length).toBe(2);
    expect((await audit(`?name=audited-card`)).length).toBe(4);
    expect(await audit(`?since=${Date.now() + 60_000}`)).toEqual([]);
    const page = (await (await call(`/r/audit?since=${start}&limit=3`, { auth: admin() })).json()) as AuditPage;
    expect(page.entries.length).toBe(3);
    const rest = (await (await call(`/r/audit?since=${start}&limit=10&before=${page.next}`, { auth: admin() })).json()) as AuditPage;
    expect([...page.entries, ...rest.entries].map((e) => e.id)).toEqual(entries.map((e) => e.id).reverse());
    expect(rest.next).toBeNull();
    // A relative since, and bad queries.
    expect((await audit('?since=1h')).length).toBeGreaterThanOrEqual(7);
    const bad = await call('/r/audit?since=yesterday&action=nuke&limit=0', { auth: admin() });
    expect(bad.status).toBe(400);
    const { error } = await bad.json();
    expect(error.details.map((d: { path: string }) => d.path).sort()).toEqual(['action', 'limit', 'since']);
  });

  test('tokens made with the CLI are audited as the CLI user', async () => {
    const entries = await audit('?action=token.create');
    const first = entries.at(-1)!;
    expect(first.actor).toBe(`cli (${os.userInfo().username})`);
    expect(first.address).toBe('local');
    expect(first.detail).toContain('admin token');
  });
});

describe('usage statistics', () => {
  test('renders and action calls per version, shown before they are flushed and kept over a restart', async () => {
    const server = `module.exports = { loader: () => ({ n: 1 }), actions: { ping: () => 'pong' } };`;
    const res = await fetch(`${registry.url}/r/publish/counted/1.0.0`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${adminToken}` },
      body: (await bundle('counted', '1.0.0', server, { actions: ['ping'] })) as Uint8Array<ArrayBuffer>,
    });
    expect(res.status, await res.clone().text()).toBe(201);
    expect((await put('counted', '1.1.0', adminToken)).status).toBe(201);
    for (let i = 0; i < 3; i++) expect((await fetch(`${registry.url}/r/component/counted/1.0.0`)).status).toBe(200);
    expect((await fetch(`${registry.url}/r/component/counted/1.x`)).status).toBe(200); // 1.1.0
    const batch = await fetch(`${registry.url}/r/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ components: [{ name: 'counted', version: '1.0.0' }, { name: 'counted', version: '1.0.0' }] }),
    });
    expect(batch.status).toBe(200);
    const action = await fetch(`${registry.url}/r/action/counted/1.0.0`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'ping', input: {} }),
    });
    expect(action.status, await action.clone().text()).toBe(200);

    const check = async () => {
      const detail = (await (await fetch(`${registry.url}/r/components/counted`)).json()) as ComponentDetail;
      const v1 = detail.versions.find((v) => v.version === '1.0.0')!;
      const v11 = detail.versions.find((v) => v.version === '1.1.0')!;
      expect(v1).toMatchObject({ renders: 5, actions: 1, actionNames: ['ping'] });
      expect(v11).toMatchObject({ renders: 1, actions: 0 });
      expect(Date.now() - Date.parse(v1.lastRenderedAt!)).toBeLessThan(120_000);
      const today = new Date().toISOString().slice(0, 10);
      expect(v1.usage).toEqual([{ day: today, renders: 5, actions: 1 }]);
    };
    // At once: the counts are still in memory (they are flushed every few seconds).
    await check();
    // A restart (SIGTERM: the registry flushes as it stops) keeps them.
    expect(await stop(registry.child)).toBe(0);
    await start();
    await check();
  });
});

describe('unpublish', () => {
  test('refused while rendered in the last 24 h, forced, then 410 for render and static, and the number is never reused', async () => {
    expect((await put('yanked', '1.0.0', adminToken)).status).toBe(201);
    expect((await put('yanked', '1.1.0', adminToken)).status).toBe(201);
    const templates = async () =>
      (await fs.readdir(path.join(dir, 'storage', 'yanked'), { recursive: true })).filter((f) => String(f).endsWith('template.js'));
    expect(await templates()).toHaveLength(2);
    expect((await fetch(`${registry.url}/r/component/yanked/1.1.0`)).status).toBe(200);
    expect((await fetch(`${registry.url}/r/static/yanked/1.1.0/template.js`)).status).toBe(200);
    // A version nobody rendered goes without force.
    expect((await call('/r/components/yanked/1.0.0', { method: 'DELETE', auth: admin() })).status).toBe(200);

    const { token } = await createToken({ scopes: ['publish'], label: 'team' });
    expect((await call('/r/components/yanked/1.1.0', { method: 'DELETE', auth: `Bearer ${token}` })).status).toBe(403);
    const refused = await call('/r/components/yanked/1.1.0', { method: 'DELETE', auth: admin() });
    expect(refused.status).toBe(409);
    const { error } = await refused.json();
    expect(error.code).toBe('RECENTLY_RENDERED');
    expect(error.message).toContain('rendered 1 time in the last 24 hours');
    expect(error.message).toContain('--force');
    expect((await fetch(`${registry.url}/r/component/yanked/1.1.0`)).status).toBe(200);

    // The sandbox keeps V8's compiled code of what it ran (written after the first run): that goes too.
    const codeCaches = async () =>
      (await fs.readdir(path.join(dir, 'storage', '_v8-cache', 'yanked'), { recursive: true }).catch(() => [] as string[])).filter((f) => String(f).endsWith('.cache'));
    for (let waited = 0; (await codeCaches()).length === 0 && waited < 5000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await codeCaches()).toHaveLength(1);
    const forced = await call('/r/components/yanked/1.1.0?force=true', { method: 'DELETE', auth: admin() });
    expect(forced.status).toBe(200);
    expect(await forced.json()).toMatchObject({ name: 'yanked', version: '1.1.0' });
    for (const route of ['/r/component/yanked/1.1.0', '/r/static/yanked/1.1.0/template.js']) {
      const gone = await fetch(`${registry.url}${route}`);
      expect(gone.status, route).toBe(410);
      expect((await gone.json()).error.message).toContain('yanked@1.1.0 was unpublished on');
    }
    // No range resolves to an unpublished version; the list does not show them.
    expect((await fetch(`${registry.url}/r/component/yanked/1.x`)).status).toBe(404);
    const list = await (await fetch(`${registry.url}/r/components?q=yanked`)).json();
    expect(list.components[0].versions).toEqual([]);
    const detail = (await (await fetch(`${registry.url}/r/components/yanked`)).json()) as ComponentDetail;
    expect(detail.versions.every((v) => v.unpublished !== null)).toBe(true);
    // Its number is never published again, even after a restart.
    for (let round = 0; round < 2; round++) {
      const again = await put('yanked', '1.1.0', adminToken);
      expect(again.status).toBe(409);
      expect((await again.json()).error.message).toContain('can never be used again');
      if (round === 0) {
        expect(await stop(registry.child)).toBe(0);
        await start();
      }
    }
    expect((await fetch(`${registry.url}/r/component/yanked/1.1.0`)).status).toBe(410);
    expect((await call('/r/components/yanked/1.1.0?force=true', { method: 'DELETE', auth: admin() })).status).toBe(410);
    expect((await call('/r/components/yanked/9.9.9', { method: 'DELETE', auth: admin() })).status).toBe(404);
    expect((await call('/r/components/yanked/1.1.0', { method: 'PATCH', auth: admin(), json: { deprecated: 'x' } })).status).toBe(410);
    // Its files are gone from storage, its compiled code too.
    expect(await templates()).toEqual([]);
    expect(await codeCaches()).toEqual([]);
  });
});

describe('lockout per credential', () => {
  test('a credential that keeps failing gets 429 with Retry-After; a valid token from the same address is still accepted', async () => {
    const wrong = `Bearer mikr0_aaaaaaaaaaaa_${'b'.repeat(32)}`;
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await call('/r/tokens', { auth: wrong })).status);
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    const locked = await call('/r/tokens', { auth: wrong });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(800);
    expect((await locked.json()).error.message).toContain('other credentials are not affected');
    // Same address, valid credentials: served at once.
    const valid = await call('/r/tokens', { auth: admin() });
    expect(valid.status).toBe(200);
    // The lockout itself writes nothing more to the audit log than the failures before it.
    const failures = await audit('?action=auth.failure&since=5m');
    expect(failures.filter((e) => e.tokenId === 'aaaaaaaaaaaa')).toHaveLength(10);
  }, 30_000);
});
