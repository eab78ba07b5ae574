/**
 * The CLI's admin side end to end (issue 15): limited and expiring tokens, the audit log,
 * unpublish and usage counts, with the built CLI as child processes against a registry the
 * CLI itself started. Each step builds on the one before, as an operator's session would.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fixtures, tempDir } from '../helpers.js';
import { mikr0, startRegistryCli, stopAll, type Running } from './process.js';

let work: string;
let data: string;
let registry: Running;
/** hello@1.0.0 and hello@1.0.1, built bundles ready to publish. */
const bundles: Record<string, string> = {};
let adminToken: string;
let publishToken: string;
/** Limited to @checkout/* and header, expiring in 30 days. */
let scopedToken: string;

const user = os.userInfo().username;
/** The secret part of a token: what must never be printed again (base64url, so it may hold "_": cut by position). */
const secret = (token: string) => token.slice(19);

beforeAll(async () => {
  work = await tempDir('mikr0-admin-');
  data = path.join(work, 'data');
  for (const version of ['1.0.0', '1.0.1']) {
    const dir = path.join(work, `hello-${version}`);
    await fs.cp(path.join(fixtures, 'hello'), dir, { recursive: true });
    const pkg = JSON.parse(await fs.readFile(path.join(dir, 'package.json'), 'utf8'));
    await fs.writeFile(path.join(dir, 'package.json'), JSON.stringify({ ...pkg, version }));
    bundles[version] = dir;
  }
  registry = await startRegistryCli(['--port', '0', '--data', data]);
  adminToken = (await mikr0(['token', 'create', '--scope', 'admin', '--label', 'ops', '-d', data])).stdout.trim();
  publishToken = (await mikr0(['token', 'create', '--scope', 'publish', '--label', 'ci-all', '-d', data])).stdout.trim();
  expect(adminToken).toMatch(/^mikr0_/);
  expect(publishToken).toMatch(/^mikr0_/);
});

afterAll(async () => {
  await stopAll();
  await fs.rm(work, { recursive: true, force: true });
});

const admin = () => ['-r', registry.url, '-t', adminToken];
const render = (version: string) => fetch(`${registry.url}/r/component/hello/${version}?name=Ann`);

describe('tokens', () => {
  test('create --names --expires, then list shows both and never the secret', async () => {
    const created = await mikr0(['token', 'create', '--scope', 'publish', '--names', '@checkout/*,header', '--expires', '30d', '--label', 'ci', '-d', data]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^mikr0_[a-z0-9]{12}_[\w-]{32}\n$/);
    expect(created.stderr).toMatch(/for @checkout\/\*, header until \d{4}-\d\d-\d\d/);
    scopedToken = created.stdout.trim();
    const id = scopedToken.split('_')[1];

    const list = await mikr0(['token', 'list', '-d', data]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/ID\s+LABEL\s+SCOPES\s+NAMES\s+CREATED\s+LAST USED\s+EXPIRES\s+REVOKED/);
    expect(list.stdout).toMatch(new RegExp(`${id}\\s+ci\\s+publish\\s+@checkout/\\*,header\\s`));
    // Unlimited tokens show * for their names.
    expect(list.stdout).toMatch(/ci-all\s+publish\s+\*\s/);
    const json = await mikr0(['token', 'list', '--json', '-d', data]);
    const tokens = JSON.parse(json.stdout) as { id: string; names: string[] | null; expiresAt: string | null; expired: boolean }[];
    const scoped = tokens.find((t) => t.id === id)!;
    expect(scoped.names).toEqual(['@checkout/*', 'header']);
    expect(Date.parse(scoped.expiresAt!) - Date.now()).toBeGreaterThan(29 * 86_400_000);
    expect(scoped.expired).toBe(false);
    for (const output of [list.stdout, list.stderr, json.stdout]) {
      for (const token of [scopedToken, adminToken, publishToken]) expect(output).not.toContain(secret(token));
    }
  });

  test('over HTTP (--registry) with an admin token: create, list, revoke; a publish token is refused', async () => {
    const created = await mikr0(['token', 'create', '--scope', 'publish', '--names', 'header', '--label', 'remote', ...admin()]);
    expect(created.code, created.stderr).toBe(0);
    const id = created.stdout.trim().split('_')[1];
    const list = await mikr0(['token', 'list', ...admin()]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`${id}\\s+remote\\s+publish\\s+header\\s`));
    expect(list.stdout).not.toContain(secret(created.stdout.trim()));

    // The whole token works too, and its secret is not printed back.
    const revoked = await mikr0(['token', 'revoke', created.stdout.trim(), ...admin()]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toBe(`revoked token ${id}\n`);
    const again = await mikr0(['token', 'revoke', id, ...admin()]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/no active token/);

    const denied = await mikr0(['token', 'list', '-r', registry.url, '-t', publishToken]);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/admin/);
    const anonymous = await mikr0(['token', 'list', '-r', registry.url]);
    expect(anonymous.code).not.toBe(0);
    expect(anonymous.stderr).toMatch(/no credentials.*admin scope/);
    expect(anonymous.stderr).toMatch(/--token.*--user/s);
  });

  test('a token limited by --names may not publish another name; the message names the patterns', async () => {
    const refused = await mikr0(['publish', bundles['1.0.0'], '-r', registry.url, '-t', scopedToken]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/@checkout\/\*, header/);
    expect(refused.stderr).toMatch(/--names/);
  });

  test('an expired token is refused, saying it expired', async () => {
    const created = await mikr0(['token', 'create', '--scope', 'publish', '--expires', '1s', '--label', 'brief', '-d', data]);
    expect(created.code, created.stderr).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const refused = await mikr0(['publish', bundles['1.0.0'], '-r', registry.url, '-t', created.stdout.trim()]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/expired/);
    const list = await mikr0(['token', 'list', '-d', data]);
    expect(list.stdout).toMatch(/brief\s+publish\s+\*\s+.*expired \d{4}-/);
  });
});

describe('publish, audit, usage, unpublish', () => {
  test('publish both versions, then audit names who did what', async () => {
    for (const version of ['1.0.0', '1.0.1']) {
      const published = await mikr0(['publish', bundles[version], '-r', registry.url, '-t', publishToken]);
      expect(published.code, published.stderr).toBe(0);
    }
    const json = await mikr0(['audit', '--action', 'publish,token.create', '--json', ...admin()]);
    expect(json.code, json.stderr).toBe(0);
    const entries = JSON.parse(json.stdout) as { action: string; actor: string; name: string | null; version: string | null; address: string }[];
    expect(entries.find((e) => e.action === 'publish' && e.version === '1.0.0')).toMatchObject({ actor: 'ci-all', name: 'hello' });
    expect(entries.filter((e) => e.action === 'token.create').map((e) => e.actor)).toContain(`cli (${user})`);
    expect(entries.find((e) => e.actor === `cli (${user})`)?.address).toBe('local');
    // The token made over HTTP is the admin token's doing.
    expect(entries.filter((e) => e.action === 'token.create').map((e) => e.actor)).toContain('ops');
    expect(new Set(entries.map((e) => e.action))).toEqual(new Set(['publish', 'token.create']));

    const table = await mikr0(['audit', '--since', '1h', '--name', 'hello', ...admin()]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/TIME\s+ACTION\s+ACTOR\s+ADDRESS\s+COMPONENT\s+REQUEST\s+DETAIL/);
    expect(table.stdout).toMatch(/publish\s+ci-all\s+\S+\s+hello@1\.0\.1\s/);
    expect(table.stdout).not.toMatch(/token\.create/);
  });

  test('audit pages through the log up to --limit', async () => {
    const two = await mikr0(['audit', '--limit', '2', '--json', ...admin()]);
    expect(JSON.parse(two.stdout)).toHaveLength(2);
    const all = JSON.parse((await mikr0(['audit', '--limit', '1000', '--json', ...admin()])).stdout) as { id: number }[];
    expect(all.length).toBeGreaterThan(2);
    // Newest first, no entry twice.
    expect(all.map((e) => e.id)).toEqual([...all.map((e) => e.id)].sort((a, b) => b - a));
    expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
  });

  test('info counts renders and charts them', async () => {
    for (let i = 0; i < 3; i++) expect((await render('1.0.0')).status).toBe(200);
    const info = await mikr0(['info', 'hello', '-r', registry.url]);
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toMatch(/VERSION\s+PUBLISHED\s+DEPRECATED\s+RENDERS\s+ACTIONS\s+LAST RENDERED\s+LAST 14 DAYS/);
    // Three renders today: the last day of the chart is the full block.
    expect(info.stdout).toMatch(/1\.0\.0\s+\S+ \S+\s+-\s+3\s+0\s+\d{4}-\d\d-\d\d \S+\s+▁{13}█/);
    expect(info.stdout).toMatch(/1\.0\.1\s+\S+ \S+\s+-\s+0\s+0\s+-\s+▁{14}/);
  });

  test('unpublish is refused after renders, works with --force, and the number is gone for good', async () => {
    const refused = await mikr0(['unpublish', 'hello@1.0.0', ...admin()]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/rendered 3 times/);
    expect(refused.stderr).toContain('mikr0 unpublish hello@1.0.0 --force');

    const forced = await mikr0(['unpublish', 'hello@1.0.0', '--force', ...admin()]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toBe('unpublished hello@1.0.0: its number can never be published again\n');

    expect((await render('1.0.0')).status).toBe(410);
    const again = await mikr0(['unpublish', 'hello@1.0.0', ...admin()]);
    expect(again.code).not.toBe(0);

    const republish = await mikr0(['publish', bundles['1.0.0'], '-r', registry.url, '-t', publishToken]);
    expect(republish.code).not.toBe(0);
    expect(republish.stderr).toMatch(/unpublished.*never be used again/);
    expect(republish.stderr).toMatch(/bump/);

    const info = await mikr0(['info', 'hello', '-r', registry.url]);
    expect(info.stdout).toMatch(/1\.0\.0\s+\S+ \S+\s+UNPUBLISHED \d{4}-/);
    const audit = JSON.parse((await mikr0(['audit', '--action', 'unpublish', '--json', ...admin()])).stdout);
    expect(audit).toMatchObject([{ action: 'unpublish', actor: 'ops', name: 'hello', version: '1.0.0' }]);
  });

  test('unpublish and audit need the admin scope; deprecate names --names for a limited token', async () => {
    const unpublish = await mikr0(['unpublish', 'hello@1.0.1', '-r', registry.url, '-t', publishToken]);
    expect(unpublish.code).not.toBe(0);
    expect(unpublish.stderr).toMatch(/admin/);
    const audit = await mikr0(['audit', '-r', registry.url]);
    expect(audit.code).not.toBe(0);
    expect(audit.stderr).toMatch(/no credentials: reading the audit log needs the admin scope/);

    const deprecate = await mikr0(['deprecate', 'hello@1.0.1', '-m', 'old', '-r', registry.url, '-t', scopedToken]);
    expect(deprecate.code).not.toBe(0);
    expect(deprecate.stderr).toMatch(/--names/);
  });
});

describe('bad input names the fix, and touches nothing', () => {
  test.each([
    { args: ['token', 'create', '--scope', 'publish', '--expires', '30x'], error: /--expires: .*s, m, h or d/, hint: /--expires 30d/ },
    { args: ['token', 'create', '--scope', 'publish', '--names', ''], error: /--names: .*empty/, hint: /--names '@checkout\/\*,header'/ },
    { args: ['token', 'create', '--scope', 'publish', '--names', 'Bad Name'], error: /--names: "Bad Name" is not a name pattern/, hint: /--names/ },
    { args: ['token', 'create', '--scope', 'admin', '--names', 'header'], error: /--names limits publish tokens/, hint: /--scope publish/ },
    { args: ['token', 'list', '-d', 'x', '-r', 'http://127.0.0.1:1'], error: /pick one/, hint: /--registry/ },
    // MIKR0_REGISTRY alone does not switch to HTTP: credentials without --registry say so.
    { args: ['token', 'list', '-t', 'mikr0_x'], error: /credentials .* go with --registry/, hint: /add --registry <url>/ },
    { args: ['unpublish', 'hello'], error: /"hello" does not name a version/, hint: /mikr0 unpublish hello@1\.0\.0/ },
    { args: ['audit', '--limit', '0', '-t', 'x'], error: /--limit must be a whole number/, hint: /--limit 500/ },
  ])('mikr0 $args', async ({ args, error, hint }) => {
    const cwd = await tempDir();
    const result = await mikr0(args, cwd);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const [first, ...rest] = result.stderr.split('\n');
    expect(first).toMatch(/^error: /);
    expect(first).toMatch(error);
    expect(rest.join('\n')).toMatch(hint);
    // Checked before anything is opened: no database appears where it ran.
    expect(await fs.readdir(cwd)).toEqual([]);
    await fs.rm(cwd, { recursive: true, force: true });
  });

  test('--help shows the new commands and options', async () => {
    const help = await mikr0(['--help']);
    for (const command of ['audit', 'unpublish <name@version>']) expect(help.stdout).toContain(command);
    const token = await mikr0(['token', '--help']);
    for (const option of ['--names', '--expires', '--registry', '--json']) expect(token.stdout).toContain(option);
    expect(token.stdout).toMatch(/MIKR0_REGISTRY alone does not switch/);
  });
});
