/**
 * Scale-out as it runs in production: three registries A, B and C, each its own OS process of
 * the built CLI (`mikr0 registry --config`), on one PostgreSQL and one bucket (s3rver, then
 * Azurite). What one replica does, the others must show within a second; a publish race has
 * one winner everywhere; a replica killed mid-publish leaves nothing half-visible; and a
 * database outage does not stop a replica from rendering what it has already resolved.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { packTarGz } from '../../bundle/pack.js';
import { mikr0 } from '../cli/process.js';
import { tempDir } from '../helpers.js';
import { AZURITE_ACCOUNT, AZURITE_KEY, S3RVER_CREDENTIALS, startAzurite, startS3rver } from '../storage/emulators.js';
import { startPostgres, type PostgresServer } from '../metadata/postgres-server.js';
import { adminAuth, createToken, render, sleep, startReplica, until, writeConfig, type Replica } from './replicas.js';

/** What "visible everywhere" may take: the README promises a second. */
const PROPAGATION_MS = 1000;

/** A storage emulator, the `storage` option that points a replica at it, and its object names. */
interface Cloud {
  option: unknown;
  /** Names stored under `prefix` (to see a publish being written). */
  keys(prefix: string): Promise<string[]>;
  stop(): Promise<void>;
}

const clouds: { name: 's3' | 'azure'; start(): Promise<Cloud> }[] = [
  {
    name: 's3',
    async start() {
      const emulator = await startS3rver();
      const client = new S3Client({ region: 'us-east-1', endpoint: emulator.url, forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
      await client.send(new CreateBucketCommand({ Bucket: 'replicas' }));
      return {
        option: { type: 's3', options: { bucket: 'replicas', region: 'us-east-1', endpoint: emulator.url, forcePathStyle: true, credentials: S3RVER_CREDENTIALS } },
        keys: async (prefix) => ((await client.send(new ListObjectsV2Command({ Bucket: 'replicas', Prefix: prefix }))).Contents ?? []).map((o) => o.Key!),
        async stop() {
          client.destroy();
          await emulator.stop();
        },
      };
    },
  },
  {
    name: 'azure',
    async start() {
      const emulator = await startAzurite();
      const url = `${emulator.url}/${AZURITE_ACCOUNT}`;
      const container = new BlobServiceClient(url, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY)).getContainerClient('replicas');
      await container.create();
      return {
        option: { type: 'azure', options: { accountName: AZURITE_ACCOUNT, accountKey: AZURITE_KEY, url, container: 'replicas' } },
        async keys(prefix) {
          const names: string[] = [];
          for await (const blob of container.listBlobsFlat({ prefix })) names.push(blob.name);
          return names;
        },
        stop: () => emulator.stop(),
      };
    },
  },
];

const encode = (text: string) => new TextEncoder().encode(text);

/** A bundle whose loader returns `data`, with `template.js` as given and extra client files. */
function pack(name: string, version: string, data: unknown, template = 'export function mount() {}', extra: Record<string, Uint8Array> = {}) {
  return packTarGz([
    { path: 'package.json', data: encode(JSON.stringify({ name, version, mikr0: { files: { template: 'template.js', server: 'server.cjs' } } })) },
    { path: 'server.cjs', data: encode(`module.exports = { loader: () => (${JSON.stringify(data)}) };`) },
    { path: 'template.js', data: encode(template) },
    ...Object.entries(extra).map(([path, data]) => ({ path, data })),
  ]);
}

let postgres: PostgresServer;
beforeAll(async () => {
  postgres = await startPostgres();
}, 60_000);
afterAll(() => postgres?.stop());

describe.each(clouds)('three replicas on PostgreSQL + $name', ({ name: cloudName, start }) => {
  // The crash and the database outage do not depend on the store: they run once, with S3.
  const once = (title: string, fn: () => Promise<void>, timeout: number) => {
    if (cloudName === 's3') test(title, fn, timeout);
  };
  let cloud: Cloud;
  let dirs: string[] = [];
  let replicas: Replica[] = [];
  let A: Replica, B: Replica, C: Replica;
  let token: string;
  let databaseName: string;

  beforeAll(async () => {
    const [started, database] = await Promise.all([start(), postgres.createDatabase()]);
    const connectionString = database.url;
    databaseName = database.name;
    cloud = started;
    dirs = await Promise.all(['a', 'b', 'c'].map((label) => tempDir(`mikr0-replica-${label}-`)));
    const configs = await Promise.all(dirs.map((dir) => writeConfig(dir, { database: { type: 'postgres', options: { connectionString } }, storage: cloud.option })));
    // The CLI opens the database on its own (and migrates it first): the token is the replicas' too.
    token = await createToken(configs[0]);
    replicas = await Promise.all(configs.map((config, i) => startReplica('ABC'[i], config)));
    [A, B, C] = replicas;
  }, 90_000);

  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
    await cloud?.stop();
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  }, 30_000);

  const put = (replica: Replica, name: string, version: string, body: Uint8Array) =>
    fetch(`${replica.url}/r/publish/${name}/${version}`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/gzip' },
      body: body as Uint8Array<ArrayBuffer>,
    });

  /** Every client file of `name@version`, as the replica lists them, answers 200 with its size. */
  async function complete(replica: Replica, name: string, version: string): Promise<boolean> {
    const detail = await fetch(`${replica.url}/r/components/${name}`);
    if (detail.status !== 200) return false;
    const entry = ((await detail.json()) as { versions: { version: string; files: Record<string, { size: number }> }[] }).versions.find((v) => v.version === version);
    if (!entry) return false;
    const files = await Promise.all(
      Object.entries(entry.files).map(async ([file, { size }]) => {
        const res = await fetch(`${replica.url}/r/static/${name}/${version}/${file}`);
        return res.status === 200 && (await res.arrayBuffer()).byteLength === size;
      }),
    );
    return files.length > 0 && files.every(Boolean);
  }

  test('a publish on A renders on B and C within a second, exact and 1.x', async () => {
    expect((await put(A, 'card', '1.0.0', await pack('card', '1.0.0', { v: '1.0.0' }))).status).toBe(201);
    // B and C resolve 1.x once, so the new version must also replace what they hold.
    for (const replica of [B, C]) {
      expect(await until(async () => (await render(replica.url, 'card', '1.x')).version === '1.0.0')).toBeLessThan(PROPAGATION_MS);
    }

    const body = await pack('card', '1.1.0', { v: '1.1.0' });
    const res = await put(A, 'card', '1.1.0', body);
    const published = performance.now();
    expect(res.status).toBe(201);
    const delays = await Promise.all(
      [B, C].flatMap((replica) => [
        until(async () => (await render(replica.url, 'card', '1.1.0')).status === 200, { since: published }),
        until(async () => {
          const { version, data } = await render(replica.url, 'card', '1.x');
          return version === '1.1.0' && (data as { v?: string })?.v === '1.1.0';
        }, { since: published }),
      ]),
    );
    console.log(`[${cloudName}] publish on A → 200 on B (exact, 1.x), C (exact, 1.x): ${delays.map((ms) => `${ms.toFixed(0)} ms`).join(', ')}`);
    for (const ms of delays) expect(ms).toBeLessThan(PROPAGATION_MS);
  });

  test('a deprecation on A: 1.x on B and C skips it within a second, the exact version still renders', async () => {
    const res = await fetch(`${A.url}/r/components/card/1.1.0`, {
      method: 'PATCH',
      headers: { Authorization: adminAuth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ deprecated: 'broken layout' }),
    });
    const deprecated = performance.now();
    expect(res.status).toBe(200);
    const delays = await Promise.all(
      [C, B].map((replica) => until(async () => (await render(replica.url, 'card', '1.x')).version === '1.0.0', { since: deprecated })),
    );
    console.log(`[${cloudName}] deprecate on A → 1.x skips it on C, B: ${delays.map((ms) => `${ms.toFixed(0)} ms`).join(', ')}`);
    for (const ms of delays) expect(ms).toBeLessThan(PROPAGATION_MS);
    for (const replica of [A, B, C]) expect(await render(replica.url, 'card', '1.1.0')).toMatchObject({ status: 200, version: '1.1.0' });
  });

  test('a token revoked with mikr0 token revoke --config is refused by every replica at once', async () => {
    const config = join(dirs[0], 'mikr0.config.mjs');
    const created = await mikr0(['token', 'create', '--scope', 'publish', '--label', 'leaving', '--config', config], dirs[0]);
    expect(created.code, created.stderr).toBe(0);
    const second = created.stdout.trim();
    const publishWith = (replica: Replica, version: string) =>
      pack('revoked', version, {}).then((body) =>
        fetch(`${replica.url}/r/publish/revoked/${version}`, { method: 'PUT', headers: { Authorization: `Bearer ${second}` }, body: body as Uint8Array<ArrayBuffer> }),
      );
    expect((await publishWith(B, '1.0.0')).status).toBe(201);
    const id = /^mikr0_([^_]+)_/.exec(second)![1];
    const revoked = await mikr0(['token', 'revoke', id, '--config', config], dirs[0]);
    expect(revoked.code, revoked.stderr).toBe(0);
    // Nothing caches tokens: the next request on any replica asks the database.
    for (const [replica, version] of [[A, '1.0.1'], [B, '1.0.2'], [C, '1.0.3']] as const) {
      expect((await publishWith(replica, version)).status).toBe(401);
    }
  });

  test('usage, the audit log and unpublish are shared: renders on B and C count on A, unpublish on A is 410 on B and C within a second', async () => {
    expect((await put(A, 'shared-usage', '1.0.0', await pack('shared-usage', '1.0.0', {}))).status).toBe(201);
    expect((await put(A, 'shared-usage', '1.1.0', await pack('shared-usage', '1.1.0', {}))).status).toBe(201);
    await until(async () => (await render(C.url, 'shared-usage', '1.0.0')).status === 200);
    for (const replica of [B, C, C]) expect((await render(replica.url, 'shared-usage', '1.0.0')).status).toBe(200);
    // B and C flush within 5 s; A then sees their renders (and its own unflushed ones: none).
    const counted = await until(async () => {
      const detail = await (await fetch(`${A.url}/r/components/shared-usage`)).json();
      return detail.versions.find((v: { version: string }) => v.version === '1.0.0').renders >= 4;
    }, { within: 10_000, every: 100 });
    console.log(`[${cloudName}] renders on B and C counted on A after ${counted.toFixed(0)} ms`);
    // So A's guard knows the version is in use.
    const refused = await fetch(`${A.url}/r/components/shared-usage/1.0.0`, { method: 'DELETE', headers: { Authorization: adminAuth } });
    expect(refused.status).toBe(409);
    const res = await fetch(`${A.url}/r/components/shared-usage/1.0.0?force=true`, { method: 'DELETE', headers: { Authorization: adminAuth } });
    const unpublished = performance.now();
    expect(res.status).toBe(200);
    const delays = await Promise.all(
      [B, C].map((replica) => until(async () => (await render(replica.url, 'shared-usage', '1.0.0')).status === 410, { since: unpublished })),
    );
    for (const ms of delays) expect(ms).toBeLessThan(PROPAGATION_MS);
    expect((await put(C, 'shared-usage', '1.0.0', await pack('shared-usage', '1.0.0', {}))).status).toBe(409);
    // Written on A, read on B: one audit log.
    const audit = await (await fetch(`${B.url}/r/audit?name=shared-usage`, { headers: { Authorization: adminAuth } })).json();
    expect(audit.entries.map((e: { action: string }) => e.action)).toEqual(['unpublish', 'publish', 'publish']);
  });

  test('10 racing publishes of one version over A, B and C: one 201, nine 409, the same bytes everywhere', async () => {
    const templates = Array.from({ length: 10 }, (_, i) => `export function mount(el) { el.textContent = 'contender ${i}'; }`);
    const bodies = await Promise.all(templates.map((template, i) => pack('race', '2.0.0', { contender: i }, template)));
    const statuses = await Promise.all(bodies.map(async (body, i) => (await put(replicas[i % 3], 'race', '2.0.0', body)).status));
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(9);
    const winner = statuses.indexOf(201);

    for (const replica of [A, B, C]) {
      const res = await fetch(`${replica.url}/r/static/race/2.0.0/template.js`);
      expect(res.status, replica.label).toBe(200);
      expect(await res.text(), replica.label).toBe(templates[winner]);
      expect(await render(replica.url, 'race', '2.0.0'), replica.label).toMatchObject({ status: 200, data: { contender: winner } });
    }
    // The losers' uploads were removed: one upload's files are left under the version.
    const prefixes = new Set((await cloud.keys('race/2.0.0/')).map((key) => key.split('/')[2]));
    expect(prefixes.size).toBe(1);
  });

  once('A killed (SIGKILL) in the middle of a publish: B and C never show a half version', async () => {
    // 60 incompressible client files of 128 kB (7.7 MB): storing them takes a while.
    const extra = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`assets/blob-${i}.bin`, new Uint8Array(randomBytes(128 * 1024))]));
    const body = await pack('big', '1.0.0', { big: true }, 'export function mount() {}', extra);

    let watching = true;
    const seen: string[] = [];
    // Meanwhile B and C are asked all the time: a version that renders must be whole.
    const watchers = [B, C].map(async (replica) => {
      while (watching) {
        if ((await render(replica.url, 'big', '1.0.0')).status === 200 && !(await complete(replica, 'big', '1.0.0'))) {
          seen.push(`${replica.label} rendered big@1.0.0 with files missing`);
        }
        await sleep(10);
      }
    });

    try {
      const upload = put(A, 'big', '1.0.0', body).then((res) => res.status, (error: Error) => error.message);
      // Kill once A has started storing the files, before it can have finished.
      const stored = await until(async () => (await cloud.keys('big/1.0.0/')).length > 0, { every: 5, within: 20_000 });
      const keysAtKill = (await cloud.keys('big/1.0.0/')).length;
      await A.crash();
      const outcome = await upload;
      console.log(`[${cloudName}] A killed ${stored.toFixed(0)} ms after the PUT of big@1.0.0 began, ${keysAtKill} of its 63 files stored; the client got: ${outcome}`);
      expect(stored).toBeLessThan(Infinity);
      await sleep(PROPAGATION_MS * 1.5);
    } finally {
      watching = false;
      await Promise.all(watchers);
    }
    expect(seen).toEqual([]);
    // Either nobody has it, or everybody has all of it.
    const states = await Promise.all([B, C].map(async (replica) => ({
      status: (await render(replica.url, 'big', '1.0.0')).status,
      complete: await complete(replica, 'big', '1.0.0'),
    })));
    console.log(`[${cloudName}] after the crash, big@1.0.0 on B and C: ${JSON.stringify(states)}`);
    expect(states.every((s) => s.status === 404) || states.every((s) => s.status === 200 && s.complete)).toBe(true);

    // A half upload does not burn the version: B publishes it, C serves all of it.
    if (states[0].status === 404) {
      const res = await put(B, 'big', '1.0.0', body);
      const published = performance.now();
      expect(res.status).toBe(201);
      expect(await until(async () => (await render(C.url, 'big', '1.0.0')).status === 200, { since: published })).toBeLessThan(PROPAGATION_MS);
      expect(await complete(C, 'big', '1.0.0')).toBe(true);
    }
  }, 60_000);

  once('PostgreSQL stopped: B keeps rendering what it resolved, /health says 503, then 200 once it is back', async () => {
    const renders = [
      ['card', '1.0.0', '1.0.0'],
      ['card', '1.x', '1.0.0'],
      ['race', '2.0.0', '2.0.0'],
    ] as const;
    for (const [name, range, version] of renders) expect(await render(B.url, name, range)).toMatchObject({ status: 200, version });
    expect((await fetch(`${B.url}/health`)).status).toBe(200);

    await postgres.halt();
    try {
      const down = await until(async () => (await fetch(`${B.url}/health`)).status === 503, { every: 50, within: 10_000 });
      const health = (await (await fetch(`${B.url}/health`)).json()) as { checks: { database: string } };
      console.log(`[${cloudName}] PostgreSQL stopped: /health on B 503 after ${down.toFixed(0)} ms (${health.checks.database})`);
      expect(down).toBeLessThan(10_000);
      // Four seconds of renders while the database is away (an outage longer than a blip): all as before.
      const back = performance.now() + 4000;
      while (performance.now() < back) {
        for (const [name, range, version] of renders) expect(await render(B.url, name, range), `${name}@${range}`).toMatchObject({ status: 200, version });
        await sleep(100);
      }
    } finally {
      await postgres.resume();
    }
    const restarted = performance.now();
    const up = await until(async () => (await fetch(`${B.url}/health`)).status === 200, { every: 50, within: 15_000, since: restarted });
    // Diagnosis, not an assertion: each live replica (B, C) holds one LISTEN connection when all is well.
    const listeners = async () =>
      (await postgres.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'mikr0 registry (listen)' AND datname = $1", [databaseName]))[0].n;
    console.log(`[${cloudName}] PostgreSQL started again: /health on B 200 after ${up.toFixed(0)} ms; LISTEN connections of B and C: ${await listeners()} of 2`);
    expect(up).toBeLessThan(15_000);
    for (const [name, range, version] of renders) expect(await render(B.url, name, range)).toMatchObject({ status: 200, version });

    // Once B says it is healthy again, it hears the others again within the usual second.
    const res = await put(C, 'card', '1.2.0', await pack('card', '1.2.0', { v: '1.2.0' }));
    const published = performance.now();
    expect(res.status).toBe(201);
    const seen = await until(async () => (await render(B.url, 'card', '1.x')).version === '1.2.0', { since: published, within: 10_000 });
    console.log(`[${cloudName}] after the restart: publish on C (${(published - restarted).toFixed(0)} ms after it) → 1.x on B after ${seen.toFixed(0)} ms; LISTEN connections now: ${await listeners()} of 2`);
    expect(seen, 'a publish on C reaches B within a second once B answers /health 200 again').toBeLessThan(PROPAGATION_MS);
  }, 60_000);
});
