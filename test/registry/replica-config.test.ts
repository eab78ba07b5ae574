/**
 * Configuring a replica (README "Running several replicas"), against a real PostgreSQL
 * (test/metadata/postgres-server.ts) and a real S3 emulator (test/storage/emulators.ts):
 * MIKR0_DATABASE_URL and MIKR0_STORAGE when no option says otherwise, a misconfiguration
 * stopping the start with one line naming the setting (from code and from `mikr0 registry`),
 * `mikr0 token` on PostgreSQL, and `staticUrl` (a CDN) in payloads and fragments.
 * The CLI tests run the built CLI: `npx tsc -b tsconfig.build.json` first.
 */
import { spawn } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createRegistry, type Registry, type RegistryOptions } from '../../registry-lite/index.js';
import { childEnv, startRegistryCli, stop } from '../cli/process.js';
import { cli, memoryLogger, publish, publishServer, startRegistry, tempDir, type TestRegistry } from '../helpers.js';
import { startPostgres, type PostgresServer } from '../metadata/postgres-server.js';
import { S3RVER_CREDENTIALS, startS3rver, type Emulator } from '../storage/emulators.js';

let pg: PostgresServer;
let s3rver: Emulator;
let s3: S3Client;
const BUCKET = 'bundles';
const ROLE = { user: 'mikr0_cfg', password: 'right-password' };
beforeAll(async () => {
  [pg, s3rver] = await Promise.all([startPostgres(), startS3rver()]);
  s3 = new S3Client({ region: 'us-east-1', endpoint: s3rver.url, forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await pg.query(`CREATE ROLE ${ROLE.user} LOGIN PASSWORD '${ROLE.password}'`);
}, 60_000);
afterAll(async () => {
  s3?.destroy();
  await Promise.all([pg?.stop(), s3rver?.stop()]);
});

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Sets (or, with undefined, removes) environment variables until the test ends. */
function withEnv(values: Record<string, string | undefined>) {
  const before = Object.fromEntries(Object.keys(values).map((key) => [key, process.env[key]]));
  const apply = (from: Record<string, string | undefined>) => {
    for (const [key, value] of Object.entries(from)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
  apply(values);
  cleanups.push(async () => apply(before));
}

async function database() {
  const db = await pg.createDatabase();
  cleanups.push(db.drop);
  return db;
}

function registryOf(options: RegistryOptions): Registry {
  const registry = createRegistry({ workers: 1, ui: false, logger: memoryLogger(), ...options });
  cleanups.push(() => registry.close());
  return registry;
}

const s3Url = (bucket: string, prefix = 'reg') => `s3://${bucket}/${prefix}?region=us-east-1&endpoint=${encodeURIComponent(s3rver.url)}&forcePathStyle=true`;
const s3Storage = (bucket: string, credentials = S3RVER_CREDENTIALS) =>
  ({ type: 's3', options: { bucket, region: 'us-east-1', endpoint: s3rver.url, forcePathStyle: true, credentials } }) as const;
const postgres = (connectionString: string) => ({ type: 'postgres', options: { connectionString } }) as const;

describe('twelve-factor: MIKR0_DATABASE_URL and MIKR0_STORAGE', () => {
  test('configure a registry given neither option: tokens and versions in PostgreSQL, bundles in the bucket', async () => {
    const db = await database();
    const dataDir = await tempDir('mikr0-env-');
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    withEnv({ MIKR0_DATABASE_URL: db.url, MIKR0_STORAGE: s3Url(BUCKET), AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' });
    const registry = registryOf({ dataDir });
    expect(registry.where).toEqual({ database: `postgres 127.0.0.1:${pg.port}/${db.name}`, storage: `s3 ${BUCKET}/reg (us-east-1, ${s3rver.url})` });
    const { url } = await registry.listen(0);
    const { token } = await registry.tokens.create(['publish'], 'env');
    expect((await publish({ url, token }, 'hello')).status).toBe(201);
    expect(await pg.query('SELECT name, version FROM components', [], db.name)).toEqual([{ name: 'hello', version: '1.0.0' }]);
    expect(await pg.query('SELECT label FROM tokens', [], db.name)).toEqual([{ label: 'env' }]);
    const stored = (await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'reg/hello/' }))).Contents ?? [];
    expect(stored.length).toBeGreaterThan(0);
    expect((await fetch(`${url}/r/component/hello/1.x?name=Env`)).status).toBe(200);
  });

  test('explicit options win over the environment', async () => {
    withEnv({ MIKR0_DATABASE_URL: 'postgres://nobody:secret@127.0.0.1:1/none', MIKR0_STORAGE: 's3://nowhere?region=us-east-1&endpoint=http://127.0.0.1:1' });
    const registry = registryOf({ database: { type: 'memory' }, storage: { type: 'memory' } });
    expect(registry.where).toEqual({ database: 'memory (nothing kept)', storage: 'memory (nothing kept)' });
    const { url } = await registry.listen(0);
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });

  test('a wrong value in the environment is refused naming the variable', () => {
    withEnv({ MIKR0_STORAGE: 'ftp://host/folder' });
    expect(() => createRegistry({ database: { type: 'memory' } })).toThrow(/^MIKR0_STORAGE: storage URL must start with s3:\/\/, azure:\/\//);
    withEnv({ MIKR0_STORAGE: 's3://bucket/prefix', AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined });
    expect(() => createRegistry({ database: { type: 'memory' } })).toThrow(/^MIKR0_STORAGE: storage URL s3:\/\/bucket needs a region/);
  });
});

describe('a misconfigured dependency stops the start: one line naming the setting, nothing listens', () => {
  test.each<[string, () => RegistryOptions, RegExp]>([
    ['PostgreSQL unreachable', () => ({ database: postgres('postgres://mikr0_cfg:right-password@127.0.0.1:1/x'), storage: { type: 'memory' } }),
      /^cannot reach PostgreSQL at 127\.0\.0\.1:1 \(database\.options\.connectionString\): [^\n]*ECONNREFUSED/],
    ['a wrong PostgreSQL password', () => ({ database: postgres(pg.url('postgres', { ...ROLE, password: 'wrong-password' })), storage: { type: 'memory' } }),
      /^PostgreSQL refused the password for user mikr0_cfg \(database\.options\.connectionString\)$/],
    ['a missing S3 bucket', () => ({ database: { type: 'memory' }, storage: s3Storage('no-such-bucket') }),
      /^S3 bucket "no-such-bucket" does not exist \(storage\.options\.bucket\)$/],
    ['wrong S3 credentials', () => ({ database: { type: 'memory' }, storage: s3Storage(BUCKET, { accessKeyId: 'WRONG', secretAccessKey: 'wrong-secret' }) }),
      /^S3 credentials were refused \(storage\.options\.credentials or the AWS_\* environment\)$/],
  ])('%s', async (_label, options, message) => {
    const registry = registryOf(options());
    const started = Date.now();
    const error = await registry.listen(0).then(() => null, (e: Error) => e);
    expect(error?.message).toMatch(message);
    expect(error?.message).not.toMatch(/password@|wrong-password|wrong-secret|\n/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  test('set through MIKR0_DATABASE_URL, the line names the variable', async () => {
    withEnv({ MIKR0_DATABASE_URL: 'postgres://mikr0_cfg:right-password@127.0.0.1:1/x' });
    const registry = registryOf({ storage: { type: 'memory' } });
    await expect(registry.listen(0)).rejects.toThrow(/^cannot reach PostgreSQL at 127\.0\.0\.1:1 \(MIKR0_DATABASE_URL\): /);
  });
});

/** Runs the built CLI with `env` on top of a clean environment. */
function mikr0(args: string[], { cwd, env = {} }: { cwd?: string; env?: Record<string, string> } = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    // NODE_NO_WARNINGS: the AWS SDK warns about Node 20 on stderr, which is not what is tested here.
    const child = spawn(process.execPath, [cli, ...args], { cwd, env: { ...childEnv(), NODE_NO_WARNINGS: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function configFile(config: Record<string, unknown>) {
  const dir = await tempDir('mikr0-config-');
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'mikr0.config.mjs');
  await writeFile(file, `export default ${JSON.stringify(config)};\n`);
  return { dir, file };
}

describe('the CLI on PostgreSQL (built dist/)', () => {
  test('mikr0 token create and list through --config', async () => {
    const db = await database();
    const { dir, file } = await configFile({ database: postgres(db.url) });
    const created = await mikr0(['token', 'create', '--scope', 'publish', '--label', 'from-config', '--config', file], { cwd: dir });
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout.trim()).toMatch(/^mikr0_[a-z0-9]{12}_[\w-]{32}$/);
    const list = await mikr0(['token', 'list', '-c', file], { cwd: dir });
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`${created.stdout.trim().slice(6, 18)}\\s+from-config\\s+publish`));
    expect(await pg.query('SELECT label FROM tokens', [], db.name)).toEqual([{ label: 'from-config' }]);
  });

  test('mikr0 token create and list through MIKR0_DATABASE_URL', async () => {
    const db = await database();
    const { dir } = await configFile({});
    await rm(join(dir, 'mikr0.config.mjs'));
    const env = { MIKR0_DATABASE_URL: db.url };
    const created = await mikr0(['token', 'create', '--scope', 'admin', '--label', 'from-env'], { cwd: dir, env });
    expect(created.code).toBe(0);
    const list = await mikr0(['token', 'list'], { cwd: dir, env });
    expect(list.stdout).toMatch(new RegExp(`${created.stdout.trim().slice(6, 18)}\\s+from-env\\s+admin`));
    expect(await pg.query('SELECT label FROM tokens', [], db.name)).toEqual([{ label: 'from-env' }]);
    // Unreachable: one line naming the database, no stack.
    const down = await mikr0(['token', 'list'], { cwd: dir, env: { MIKR0_DATABASE_URL: 'postgres://u:secret@127.0.0.1:1/x' } });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^error: The registry's database is unavailable: cannot reach PostgreSQL at 127\.0\.0\.1:1 [^\n]*\n$/);
  });

  test('mikr0 registry names its database and storage in the banner, never a secret', async () => {
    const db = await database();
    const { file } = await configFile({ database: postgres(db.url), storage: s3Storage(BUCKET) });
    const running = await startRegistryCli(['--port', '0', '--config', file]);
    try {
      expect(running.output()).toContain(`database: postgres 127.0.0.1:${pg.port}/${db.name}\n`);
      expect(running.output()).toContain(`storage:  s3 ${BUCKET} (us-east-1, ${s3rver.url})\n`);
      expect(running.output()).not.toMatch(/admin-secret|S3RVER/);
      expect((await fetch(`${running.url}/health`)).status).toBe(200);
    } finally {
      expect(await stop(running.child)).toBe(0);
    }
  });

  test.each<[string, () => Promise<{ args: string[]; env?: Record<string, string> }>, RegExp]>([
    ['MIKR0_DATABASE_URL unreachable', async () => ({ args: [], env: { MIKR0_DATABASE_URL: 'postgres://u:secret@127.0.0.1:1/x', MIKR0_STORAGE: 'memory:' } }),
      /^error: cannot reach PostgreSQL at 127\.0\.0\.1:1 \(MIKR0_DATABASE_URL\): [^\n]*\n$/],
    ['a missing bucket in --config', async () => ({ args: ['--config', (await configFile({ database: { type: 'memory' }, storage: s3Storage('no-such-bucket') })).file] }),
      /^error: S3 bucket "no-such-bucket" does not exist \(storage\.options\.bucket\)\ncheck [^\n]*mikr0\.config\.mjs\n$/],
  ])('mikr0 registry refuses to start (%s): exit 1, the line, no stack, no data folder left', async (_label, setup, message) => {
    const { args, env } = await setup();
    const cwd = await tempDir('mikr0-refused-');
    cleanups.push(() => rm(cwd, { recursive: true, force: true }));
    const result = await mikr0(['registry', '--port', '0', '--data', join(cwd, 'data'), ...args], { cwd, env });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
    await expect(import('node:fs/promises').then((fs) => fs.stat(join(cwd, 'data')))).rejects.toThrow(/ENOENT/);
  });
});

describe('staticUrl: client files from a CDN', () => {
  const CDN = 'https://cdn.example.com/r/static';
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ staticUrl: `${CDN}//`, database: { type: 'memory' }, storage: { type: 'memory' } });
    expect((await publish(registry, 'hello')).status).toBe(201);
    await publishServer(
      registry,
      'card',
      `module.exports = {
        loader: () => ({ logo: '/__mikr0_static__/assets/logo.svg' }),
        render: () => '<img src="/__mikr0_static__/assets/logo.svg">',
      };`,
    );
  });
  afterAll(() => registry?.close());

  test('src and css of a render payload, and the asset marker in data and server HTML, point at it', async () => {
    const hello = await (await fetch(`${registry.url}/r/component/hello/1.x?name=Ann`)).json();
    expect(hello.src).toBe(`${CDN}/hello/1.0.0/template.js`);
    expect(hello.css).toEqual([`${CDN}/hello/1.0.0/style.css`]);
    const card = await (await fetch(`${registry.url}/r/component/card/1.0.0`)).json();
    expect(card.data.logo).toBe(`${CDN}/card/1.0.0/assets/logo.svg`);
    expect(card.html).toBe(`<img src="${CDN}/card/1.0.0/assets/logo.svg">`);
  });

  test('fragments preload and link from it; the registry still serves /r/static for the CDN, immutable', async () => {
    const fragment = await (await fetch(`${registry.url}/r/component/hello/1.0.0?name=Ann`, { headers: { Accept: 'text/html' } })).text();
    expect(fragment).toContain(`<link rel="modulepreload" href="${CDN}/hello/1.0.0/template.js">`);
    expect(fragment).toContain(`${CDN}/hello/1.0.0/style.css`);
    expect(fragment).not.toContain(`${registry.url}/r/static`);
    const origin = await fetch(`${registry.url}/r/static/hello/1.0.0/template.js`);
    expect(origin.status).toBe(200);
    expect(origin.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(origin.headers.get('etag')).toMatch(/^"sha\d+-/);
  });

  test.each(['cdn.example.com/static', 'ftp://cdn.example.com/static', 'https://cdn.example.com/static?v=1', 'https://cdn.example.com/static#x', 'https://u:p@cdn.example.com/'])(
    '%j is refused naming the option',
    (staticUrl) => {
      expect(() => createRegistry({ staticUrl, database: { type: 'memory' }, storage: { type: 'memory' } })).toThrow(/^staticUrl must be an absolute http\(s\) URL/);
    },
  );
});
