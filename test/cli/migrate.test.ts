/**
 * `mikr0 migrate` end to end: a real SQLite + folder registry (published to over HTTP, kept
 * running) copied by the built CLI into a real PostgreSQL + S3 (s3rver), then served from
 * there by `mikr0 registry --config`: renders, ranges, deprecations, static bytes and tokens.
 * Then what makes it safe to run on production data: a second run copies nothing, a
 * conflicting upload is reported and left alone, a dry run writes nothing, bad flags and an
 * unreachable target fail in one line.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { CreateBucketCommand, DeleteObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createRegistry, type Registry, type RegistryOptions } from '../../registry-lite/index.js';
import { fixtures, memoryLogger, publish, publishServer, tempDir } from '../helpers.js';
import { startPostgres, type PostgresServer } from '../metadata/postgres-server.js';
import { AZURITE_ACCOUNT, AZURITE_KEY, S3RVER_CREDENTIALS, startAzurite, startS3rver, type Emulator } from '../storage/emulators.js';
import { closedPort, mikr0, startRegistryCli, stopAll, type Running } from './process.js';

let postgres: PostgresServer;
let s3rver: Emulator;
let azurite: Emulator;
let s3: S3Client;
let work: string;
let sourceDir: string;
let source: Registry;
let sourceUrl: string;
let publishToken: string;
let revokedToken: string;
/** The PostgreSQL + S3 target the first test fills and the later ones run against again. */
let target: { config: string; options: RegistryOptions; database: string; bucket: string };
let buckets = 0;

beforeAll(async () => {
  [postgres, s3rver, azurite] = await Promise.all([startPostgres(), startS3rver(), startAzurite()]);
  s3 = new S3Client({ region: 'us-east-1', endpoint: s3rver.url, forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
  work = await tempDir('mikr0-migrate-');
  sourceDir = path.join(work, 'source');
  // The source keeps serving through every run: migrating must not need it stopped.
  source = createRegistry({ dataDir: sourceDir, workers: 1, logger: memoryLogger() });
  sourceUrl = (await source.listen(0)).url;
  publishToken = (await source.tokens.create(['publish'], 'ci')).token;
  const old = await source.tokens.create(['publish'], 'old laptop');
  revokedToken = old.token;
  await source.tokens.revoke(old.info.id);
  const registry = { url: sourceUrl, token: publishToken };
  for (const version of ['1.0.0', '1.1.0', '2.0.0']) expect((await publish(registry, 'hello', { version })).status).toBe(201);
  await publishServer(registry, '@team/card', 'module.exports = { loader: () => ({ n: 1 }) };', '0.1.0');
  await source.components.deprecate('hello', '1.1.0', 'use 1.0.0');
  // A render leaves a V8 code cache in the source's storage (outside every bundle): not for copying.
  expect((await fetch(`${sourceUrl}/r/component/hello/2.0.0?name=World`)).status).toBe(200);
  await until(async () => (await fs.readdir(path.join(sourceDir, 'storage'))).includes('_v8-cache'));
  target = await newTarget();
}, 60_000);

afterAll(async () => {
  await stopAll();
  await source?.close();
  s3?.destroy();
  await Promise.all([postgres?.stop(), s3rver?.stop(), azurite?.stop()]);
  if (work) await fs.rm(work, { recursive: true, force: true });
});

async function until(condition: () => Promise<boolean>, ms = 10_000) {
  for (const deadline = Date.now() + ms; !(await condition()); await new Promise((resolve) => setTimeout(resolve, 50))) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${condition}`);
  }
}

/** A fresh PostgreSQL database and S3 bucket, and a config file naming them as `mikr0 registry --config` reads it. */
async function newTarget() {
  const database = await postgres.createDatabase();
  const bucket = `migrate-${++buckets}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const options: RegistryOptions = {
    database: { type: 'postgres', options: { connectionString: database.url } },
    storage: { type: 's3', options: { bucket, region: 'us-east-1', endpoint: s3rver.url, forcePathStyle: true, credentials: S3RVER_CREDENTIALS } },
  };
  const config = await writeConfig(`target-${buckets}`, options);
  return { config, options, database: database.name, bucket };
}

async function writeConfig(name: string, options: object): Promise<string> {
  const file = path.join(work, `${name}.config.mjs`);
  await fs.writeFile(file, `export default ${JSON.stringify(options)};\n`);
  return file;
}

const objects = async (bucket: string) => (await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? [];
const count = async (database: string, table: string) =>
  Number((await postgres.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`, [], database))[0].n);
const json = async (url: string) => {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
};
/** The AWS SDK warns on Node < 22 through process.emitWarning: the environment's, not the CLI's. */
const withoutNodeWarnings = (stderr: string) => stderr.replace(/^\(node:\d+\) Warning:[\s\S]*?^\(Use `node --trace-warnings[^\n]*\n/gm, '');
const bytes = async (url: string) => Buffer.from(await (await fetch(url)).arrayBuffer());

describe('SQLite + folder → PostgreSQL + S3', () => {
  let served: Running;

  test('copies every version, file and token; a registry on the target serves them and takes the old tokens', async () => {
    const run = await mikr0(['migrate', '--from-data', sourceDir, '--to', target.config]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/from: sqlite .*registry\.db \+ filesystem/);
    expect(run.stderr).toMatch(/to: +postgres 127\.0\.0\.1:\d+\/mikr0_test_\d+_\d+ \+ s3 migrate-1/);
    expect(run.stderr).toMatch(/\[\d\/2\] hello: 3 copied \(15 files, /);
    expect(run.stdout).toMatch(/^migrated: 2 components in [\d.]+ s$/m);
    expect(run.stdout).toContain('versions: 4 copied, 0 already there, 0 conflicts, 1 deprecation set');
    expect(run.stdout).toMatch(/files: +18 copied \(\d/);
    expect(run.stdout).toContain('tokens:   2 copied, 0 already there');
    // No code cache (the sandbox rebuilds it), no leftovers: exactly the bundles' files.
    const keys = (await objects(target.bucket)).map(({ Key }) => Key!);
    expect(keys).toHaveLength(18);
    expect(keys.filter((key) => !/^(hello|@team\/card)\/[^/]+\/[0-9a-f]{12}\/[^/]+$/.test(key))).toEqual([]);

    served = await startRegistryCli(['--port', '0', '--data', path.join(work, 'served'), '--config', target.config]);
    for (const [range, version] of [['1.0.0', '1.0.0'], ['1.1.0', '1.1.0'], ['2.0.0', '2.0.0'], ['1.x', '1.0.0'], ['^2', '2.0.0'], ['', '2.0.0']]) {
      const [before, after] = await Promise.all([sourceUrl, served.url].map((base) => json(`${base}/r/component/hello/${range}?name=World`)));
      expect(after.status, `hello@${range}`).toBe(200);
      expect(after.body.version, `hello@${range}`).toBe(version);
      expect(after.body.data).toEqual(before.body.data);
    }
    expect((await json(`${served.url}/r/component/@team/card/0.x`)).body.data).toEqual({ n: 1 });
    const detail = (await json(`${served.url}/r/components/hello`)).body;
    expect(Object.fromEntries(detail.versions.map((v: { version: string; deprecated: string | null }) => [v.version, v.deprecated]))).toEqual({
      '1.0.0': null,
      '1.1.0': 'use 1.0.0',
      '2.0.0': null,
    });
    expect(detail.versions.map((v: { publishedAt: string }) => v.publishedAt)).toEqual(
      (await json(`${sourceUrl}/r/components/hello`)).body.versions.map((v: { publishedAt: string }) => v.publishedAt),
    );
    for (const file of ['template.js', 'style.css', 'logo.svg']) {
      const copied = await bytes(`${served.url}/r/static/hello/2.0.0/${file}`);
      expect(copied.equals(await bytes(`${sourceUrl}/r/static/hello/2.0.0/${file}`)), file).toBe(true);
      expect(copied.equals(await fs.readFile(path.join(fixtures, 'hello', file))), file).toBe(true);
    }

    expect((await publish({ url: served.url, token: publishToken }, 'hello', { version: '3.0.0' })).status).toBe(201);
    expect((await publish({ url: served.url, token: revokedToken }, 'hello', { version: '3.0.1' })).status).toBe(401);
  }, 60_000);

  test('a second run copies nothing; later runs copy what was lost or published meanwhile', async () => {
    const before = (await objects(target.bucket)).length;
    const again = await mikr0(['migrate', '--from-data', sourceDir, '--to', target.config]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('versions: 0 copied, 4 already there, 0 conflicts\n');
    expect(again.stdout).toMatch(/files: +0 copied \(0 B\)/);
    expect(again.stdout).toContain('tokens:   0 copied, 2 already there\n');
    expect(again.stderr).toMatch(/\[\d\/2\] hello: 3 already there\n/);
    expect((await objects(target.bucket)).length).toBe(before);

    // A file lost from the target (by hand, or a run killed before its row went in) is put back.
    const lost = (await objects(target.bucket)).find(({ Key }) => Key!.startsWith('hello/1.0.0/') && Key!.endsWith('/logo.svg'))!.Key!;
    await s3.send(new DeleteObjectCommand({ Bucket: target.bucket, Key: lost }));
    const repair = await mikr0(['migrate', '--from-data', sourceDir, '--to', target.config]);
    expect(repair.code, repair.stderr).toBe(0);
    expect(repair.stdout).toContain('versions: 0 copied, 4 already there, 0 conflicts\n');
    expect(repair.stdout).toMatch(/files: +1 copied \(\d/);
    expect(repair.stderr).toMatch(/hello: 3 already there \(1 file, /);
    expect((await objects(target.bucket)).map(({ Key }) => Key)).toContain(lost);

    // Published (and a token revoked) on the source after the copy: what the help's "second run" is for.
    await publishServer({ url: sourceUrl, token: publishToken }, '@team/card', 'module.exports = { loader: () => ({ n: 2 }) };', '0.2.0');
    const late = await source.tokens.create(['admin'], 'late');
    const third = await mikr0(['migrate', '--from-data', sourceDir, '--to', target.config]);
    expect(third.code, third.stderr).toBe(0);
    expect(third.stdout).toContain('versions: 1 copied, 4 already there, 0 conflicts\n');
    expect(third.stdout).toContain('tokens:   1 copied, 2 already there\n');
    expect((await json(`${served.url}/r/component/@team/card/0.2.0`)).body.data).toEqual({ n: 2 });

    // An admin call that changes nothing (1.0.0 is not deprecated): the copied token works...
    const undeprecate = (token: string) =>
      fetch(`${served.url}/r/components/hello/1.0.0`, { method: 'PATCH', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: '{"deprecated":false}' });
    expect((await undeprecate(late.token)).status).toBe(200);
    // ...until it is revoked on the source: the next run carries that over.
    await source.tokens.revoke(late.info.id);
    const fourth = await mikr0(['migrate', '--from-data', sourceDir, '--to', target.config]);
    expect(fourth.code, fourth.stderr).toBe(0);
    expect(fourth.stdout).toContain('tokens:   0 copied, 2 already there, 1 revocation carried over\n');
    expect((await undeprecate(late.token)).status).toBe(401);
  }, 60_000);

  test('another upload under the same name@version in the target is a conflict, listed and left alone', async () => {
    // Published straight to the target (a registry already serving from it), then a different upload to the source.
    await publishServer({ url: served.url, token: publishToken }, 'clash', 'module.exports = { loader: () => ({ from: "target" }) };');
    await publishServer({ url: sourceUrl, token: publishToken }, 'clash', 'module.exports = { loader: () => ({ from: "source" }) };');

    const before = (await objects(target.bucket)).length;
    const run = await mikr0(['migrate', '--from-data', sourceDir, '--to', target.config]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('versions: 0 copied, 5 already there, 1 conflict\n');
    expect(run.stdout).toMatch(/not copied:\n {2}clash@1\.0\.0: the target has another upload of this version \(published .* under clash\/1\.0\.0\/[0-9a-f]{12}\): not overwritten/);
    expect(run.stderr).toMatch(/\[2\/3\] clash: 1 conflict\n/);
    expect(run.stderr.trim().split('\n').slice(-2)).toEqual([
      'error: 1 not copied (1 version conflict): the target keeps what it has',
      expect.stringMatching(/^a conflict is another upload of the same name@version/),
    ]);
    expect((await objects(target.bucket)).length).toBe(before);
    expect((await json(`${served.url}/r/component/clash/1.0.0`)).body.data).toEqual({ from: 'target' });
  }, 60_000);

  test('--dry-run counts and writes nothing: no row, no object, no folder', async () => {
    const fresh = await newTarget();
    const dry = await mikr0(['migrate', '--from-data', sourceDir, '--to', fresh.config, '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).toMatch(/dry run: counting what would be copied of 3 components/);
    expect(dry.stdout).toMatch(/^dry run \(nothing written\): 3 components in/m);
    expect(dry.stdout).toContain('versions: 6 to copy, 0 already there, 0 conflicts, 1 deprecation to set');
    expect(dry.stdout).toMatch(/files: +\d+ to copy \([\d.]+ kB\)/);
    expect(dry.stdout).toContain('tokens:   3 to copy, 0 already there');
    expect(await objects(fresh.bucket)).toEqual([]);
    expect(await count(fresh.database, 'components')).toBe(0);
    expect(await count(fresh.database, 'tokens')).toBe(0);

    const folder = path.join(work, 'not-yet');
    const toFolder = await mikr0(['migrate', '--from-data', sourceDir, '--to-data', folder, '--dry-run']);
    expect(toFolder.code, toFolder.stderr).toBe(0);
    expect(toFolder.stdout).toContain('versions: 6 to copy');
    await expect(fs.stat(folder)).rejects.toThrow(/ENOENT/);
  }, 60_000);
});

describe('and on: PostgreSQL + S3 → SQLite + Azure Blob (--from a config file)', () => {
  test('the copy of a copy serves the same bytes', async () => {
    const url = `${azurite.url}/${AZURITE_ACCOUNT}`;
    await new BlobServiceClient(url, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY)).createContainer('mikr0');
    const config = await writeConfig('azure', {
      dataDir: 'azure-data',
      storage: { type: 'azure', options: { accountName: AZURITE_ACCOUNT, accountKey: AZURITE_KEY, url, container: 'mikr0' } },
    });
    const run = await mikr0(['migrate', '--from', target.config, '--to', config]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/to: +sqlite .*azure-data\/registry\.db \+ azure mikr0/);
    // hello 1.0.0, 1.1.0, 2.0.0 and 3.0.0 (published on the target), card 0.1.0 and 0.2.0, clash (the target's).
    expect(run.stdout).toContain('versions: 7 copied, 0 already there, 0 conflicts, 1 deprecation set');
    expect(run.stdout).toContain('tokens:   3 copied, 0 already there');

    // No --data: it would beat the config's dataDir, where the SQLite file was made.
    const served = await startRegistryCli(['--port', '0', '--config', config]);
    const rendered = await json(`${served.url}/r/component/hello/1.x?name=World`);
    expect(rendered.body.version, JSON.stringify(rendered.body)).toBe('1.0.0');
    expect((await json(`${served.url}/r/component/clash/1.0.0`)).body.data).toEqual({ from: 'target' });
    const copied = await bytes(`${served.url}/r/static/hello/3.0.0/template.js`);
    expect(copied.equals(await fs.readFile(path.join(fixtures, 'hello', 'template.js')))).toBe(true);
    expect((await publish({ url: served.url, token: publishToken }, 'hello', { version: '4.0.0' })).status).toBe(201);
    expect((await publish({ url: served.url, token: revokedToken }, 'hello', { version: '4.0.1' })).status).toBe(401);
  }, 60_000);
});

describe('errors: one line (and a hint), exit code 1, nothing written', () => {
  test.each([
    { name: 'no flags', args: [], error: 'no source registry: pass --from <config file> or --from-data <folder>', hint: /^e\.g\. mikr0 migrate --from-data/ },
    { name: 'no target', args: ['--from-data', 'SRC'], error: 'no target registry: pass --to <config file> or --to-data <folder>', hint: /^e\.g\./ },
    { name: '--from and --from-data', args: ['--from-data', 'SRC', '--from', 'x.mjs', '--to-data', 'x'], error: '--from and --from-data both name the source: pass one of them', hint: /^--from <config file> or --from-data <folder>$/ },
    { name: 'missing data folder', args: ['--from-data', 'WORK/missing', '--to-data', 'WORK/t'], error: /^no data folder at .*missing$/, hint: /its --data/ },
    { name: 'missing config file', args: ['--from', 'WORK/missing.mjs', '--to-data', 'WORK/t'], error: /^config file .*missing\.mjs does not exist$/ },
    { name: 'same database', args: ['--from-data', 'SRC', '--to-data', 'SRC'], error: /^target: the source and the target are the same database \(sqlite .*registry\.db\)$/ },
    { name: 'source folder without a database', args: ['--from-data', 'WORK/t', '--to-data', 'SRC'], error: /^source: no registry database at .*registry\.db$/, hint: /point --from-data at the folder the registry uses/, mkdir: 'WORK/t' },
    { name: 'PostgreSQL unreachable', args: ['--from-data', 'SRC', '--to', 'PG_DOWN'], error: /^target: cannot reach PostgreSQL at 127\.0\.0\.1:\d+ \(database\.options\.connectionString\)/, hint: /^check database and storage in .*down\.config\.mjs$/ },
    { name: 'S3 unreachable', args: ['--from-data', 'SRC', '--to', 'S3_DOWN'], error: /^target: cannot reach S3 at http:\/\/127\.0\.0\.1:\d+ \(storage\.options\.endpoint\)$/, absent: 'WORK/s3down-data' },
    { name: 'S3 bucket missing', args: ['--from-data', 'SRC', '--to', 'NO_BUCKET'], error: 'target: S3 bucket "missing-bucket" does not exist (storage.options.bucket)', hint: /nobucket\.config\.mjs$/ },
    { name: 'bad database type', args: ['--from-data', 'SRC', '--to', 'BAD_TYPE'], error: /^target: database\.type must be "sqlite", "memory" or "postgres", got "mysql"/ },
    { name: 'memory target', args: ['--from-data', 'SRC', '--to', 'MEMORY'], error: /^target: a memory database or storage holds nothing past one process/ },
    { name: 'flag without its value', args: ['--from-data', 'SRC', '--to-data'], error: /value is missing/, hint: /^see: mikr0 migrate --help$/ },
    { name: 'unknown flag', args: ['--from-data', 'SRC', '--bogus'], error: /Unknown option `--bogus`/, hint: /^see: mikr0 migrate --help$/ },
  ])('$name', async ({ args, error, hint, mkdir, absent }) => {
    const down = await writeConfig('down', { dataDir: 'down-data', database: { type: 'postgres', options: { connectionString: `postgres://u:p@127.0.0.1:${await closedPort()}/mikr0` } } });
    const places: Record<string, string> = {
      SRC: sourceDir,
      PG_DOWN: down,
      NO_BUCKET: await writeConfig('nobucket', { ...target.options, storage: { type: 's3', options: { ...(target.options.storage as { options: object }).options, bucket: 'missing-bucket' } } }),
      S3_DOWN: await writeConfig('s3down', {
        dataDir: 's3down-data',
        storage: { type: 's3', options: { bucket: 'down', region: 'us-east-1', endpoint: `http://127.0.0.1:${await closedPort()}`, forcePathStyle: true, credentials: S3RVER_CREDENTIALS } },
      }),
      BAD_TYPE: await writeConfig('badtype', { database: { type: 'mysql' } }),
      MEMORY: await writeConfig('memory', { database: { type: 'memory' } }),
    };
    const inWork = (arg: string) => arg.replace(/^WORK\//, `${work}/`);
    const resolved = args.map((arg) => places[arg] ?? inWork(arg));
    if (mkdir) await fs.mkdir(inWork(mkdir), { recursive: true });
    const before = (await objects(target.bucket)).length;
    const result = await mikr0(['migrate', ...resolved], work);
    expect(result.code).toBe(1);
    const lines = withoutNodeWarnings(result.stderr).trimEnd().split('\n');
    expect(lines.length, result.stderr).toBeLessThanOrEqual(2);
    const message = lines[0].replace(/^error: /, '');
    expect(lines[0]).toMatch(/^error: /);
    if (typeof error === 'string') expect(message).toBe(error);
    else expect(message).toMatch(error);
    if (hint) expect(lines[1]).toMatch(hint);
    expect(result.stdout).not.toMatch(/migrated|copied/);
    expect((await objects(target.bucket)).length).toBe(before);
    // Not even an empty database where the target would have been.
    if (absent) await expect(fs.stat(inWork(absent))).rejects.toThrow(/ENOENT/);
  });
});
