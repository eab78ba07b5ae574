/**
 * Replicas benchmark: registry-lite scaled out on PostgreSQL + S3, against the same on one
 * shared SQLite file + filesystem folder (the single-host way, measured in the same run).
 *
 *   npm run bench:replicas                 (builds, then runs this file; 10 s per load run, 7 runs)
 *   BENCH_DURATION=3 node bench/replicas.js
 *   BENCH_ROUNDS=4 node bench/replicas.js  (pg runs in (b), each between two sqlite runs; default 2)
 *
 * (a) Propagation: two registries A and B in processes of their own on one database and one
 *     store. 20 times: publish `prop@1.0.<i>` on A, then ask B for `prop/1.x` every 5 ms until
 *     it answers 1.0.<i>; the delay runs from A's 201 to that answer. B resolved 1.x before
 *     each publish, so what it held must be replaced, not just loaded. Target: max < 1 s.
 * (b) Warm render throughput of one replica (the render.js route and component, exact
 *     version), PostgreSQL + S3 ÷ SQLite + filesystem, interleaved sqlite, pg, sqlite, pg,
 *     sqlite with the same autocannon settings, with the CPU each registry's process tree
 *     spent per 1000 renders; then both loaded at once (twice, each started first once),
 *     which a busy machine slows alike. The hot path touches neither the database nor the
 *     store, so the target is ≥ 0.9; the transactions PostgreSQL committed during the pg
 *     runs are counted to show it.
 *
 * PostgreSQL and s3rver are started by the tests' own helpers (test/metadata/postgres-server.ts,
 * test/storage/emulators.ts), imported through Vite's runnerImport: vite, pg, s3rver and the
 * AWS SDK are devDependencies, and PostgreSQL is Debian's package (apt-get install postgresql).
 *
 * Exit code: 0 whatever the figures (a measurement, not a test); 1 if something failed.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { runnerImport } from 'vite';
import { fail, printTable, publish, quantile, runBench, sleep, startRegistry, stopAll, stopServer, treeCpuMs, waitFor } from './harness.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const PUBLISHES = 20;
const POLL_MS = 5;
const PROPAGATION_TARGET_MS = 1000;
const ROUTE = '/r/component/bench/1.0.0?name=world';
const WARMUP_REQUESTS = 300;
const CONNECTIONS = 50;
const THROUGHPUT_TARGET = 0.9;
const duration = Number(process.env.BENCH_DURATION || 10);
const rounds = Number(process.env.BENCH_ROUNDS || 2);
/** A random pause of up to this before each publish (more than SQLite's 250 ms change poll), so publishes do not fall into step with it. */
const JITTER_MS = 300;

const SERVER_CODE = `'use strict';
module.exports = {
  parameters: { name: { type: 'string', mandatory: true } },
  loader: ({ parameters }) => ({ name: parameters.name }),
};
`;
const PARAMETERS = { name: { type: 'string', mandatory: true } };
const versionCode = (version) => `module.exports = { loader: () => ({ version: ${JSON.stringify(version)} }) };`;

let tempDir;
/** Stopped on every way out, after the registries (runBench stops those). */
const services = [];

async function startServices() {
  const load = async (file) => (await runnerImport(path.join(here, '..', file))).module;
  const [{ startPostgres }, { startS3rver, S3RVER_CREDENTIALS }] = await Promise.all([
    load('test/metadata/postgres-server.ts'),
    load('test/storage/emulators.ts'),
  ]);
  const [postgres, s3rver] = await Promise.all([startPostgres(), startS3rver()]);
  services.push(postgres, s3rver);
  const database = await postgres.createDatabase();
  const commits = async () => Number((await postgres.query('SELECT xact_commit FROM pg_stat_database WHERE datname = $1', [database.name]))[0].xact_commit);
  const s3 = new S3Client({ region: 'us-east-1', endpoint: s3rver.url, forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
  await s3.send(new CreateBucketCommand({ Bucket: 'bench' }));
  s3.destroy();
  return {
    commits,
    database: { type: 'postgres', options: { connectionString: database.url } },
    storage: { type: 's3', options: { bucket: 'bench', region: 'us-east-1', endpoint: s3rver.url, forcePathStyle: true, credentials: S3RVER_CREDENTIALS } },
  };
}

/** Two registries on one database and store: each its own process (bench/servers.js). */
async function startPair(label, dataDirs, options) {
  const [a, b] = ['A', 'B'].map((name, i) => startRegistry(`${label} ${name}`, dataDirs[i], options));
  const [readyA, readyB] = await Promise.all([waitFor(a, 'ready'), waitFor(b, 'ready')]);
  return { a: { ...readyA, server: a }, b: { ...readyB, server: b } };
}

async function version(url, range) {
  const res = await fetch(`${url}/r/component/prop/${range}`);
  const body = await res.text();
  return res.status === 200 ? JSON.parse(body).version : undefined;
}

/** From A's 201 until B's 1.x names the new version, PUBLISHES times. */
async function propagation({ a, b }) {
  await publish(a.url, a.token, 'prop', '1.0.0', { serverCode: versionCode('1.0.0') });
  const delays = [];
  for (let i = 1; i <= PUBLISHES; i++) {
    const previous = `1.0.${i - 1}`;
    // B holds what 1.x meant until now: the publish must replace it.
    for (let tries = 0; (await version(b.url, '1.x')) !== previous; tries++) {
      if (tries > 1000) fail(`B never rendered prop@${previous} for 1.x`);
      await sleep(POLL_MS);
    }
    const next = `1.0.${i}`;
    await sleep(Math.random() * JITTER_MS);
    await publish(a.url, a.token, 'prop', next, { serverCode: versionCode(next) });
    const published = performance.now();
    while ((await version(b.url, '1.x')) !== next) {
      if (performance.now() - published > 10_000) fail(`B did not render prop@${next} for 1.x within 10 s`);
      await sleep(POLL_MS);
    }
    delays.push(performance.now() - published);
  }
  return delays;
}

async function warm(url) {
  for (let i = 0; i < WARMUP_REQUESTS; i++) {
    const res = await fetch(url + ROUTE);
    const body = await res.text();
    if (res.status !== 200 || JSON.parse(body).data?.name !== 'world') fail(`warm-up request #${i + 1} to ${url} answered ${res.status}: ${body.slice(0, 200)}`);
  }
}

/** One autocannon run against a replica; with the CPU its process tree (sandboxes included) spent per 1000 renders. */
async function load(label, { url, server }) {
  process.stdout.write(`  ${label}: ${duration} s of load…\n`);
  const cpuBefore = treeCpuMs(server.child.pid);
  const result = await autocannon({ url: url + ROUTE, connections: CONNECTIONS, duration });
  const cpuAfter = treeCpuMs(server.child.pid);
  if (result.non2xx || result.errors || result.timeouts || !result.requests.total) {
    fail(`${label} was not clean: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts, ${result.requests.total} requests`);
  }
  const total = result.requests.total;
  const cpuPerK = cpuBefore === undefined || cpuAfter === undefined ? undefined : ((cpuAfter - cpuBefore) / total) * 1000;
  return { label, reqPerSec: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, total, cpuPerK };
}

const ms = (value) => `${value.toFixed(0)} ms`;

async function main() {
  if (!Number.isFinite(duration) || duration <= 0) fail(`BENCH_DURATION must be a positive number of seconds, got "${process.env.BENCH_DURATION}"`);
  if (!Number.isInteger(rounds) || rounds <= 0) fail(`BENCH_ROUNDS must be a positive whole number, got "${process.env.BENCH_ROUNDS}"`);
  console.log(`mikr0 replicas benchmark: Node ${process.version}, os.availableParallelism() = ${os.availableParallelism()}`);
  tempDir = await fs.mkdtemp(path.join(os.tmpdir(), 'mikr0-bench-replicas-'));
  const dir = (name) => path.join(tempDir, name);

  const { commits, ...cloud } = await startServices();
  // The baseline pair shares one data folder: one SQLite file (WAL) and one storage folder.
  const [pg, sqlite] = await Promise.all([
    startPair('postgres+s3', [dir('pg-a'), dir('pg-b')], cloud),
    startPair('sqlite+fs', [dir('shared'), dir('shared')], {}),
  ]);

  console.log(`\n(a) propagation, publish on A → 1.x on B (${PUBLISHES} publishes, 0–${JITTER_MS} ms apart, B polled every ${POLL_MS} ms)`);
  const pgDelays = await propagation(pg);
  const sqliteDelays = await propagation(sqlite);
  printTable(
    ['pair', 'median', 'p90', 'max', 'min'],
    [['postgres+s3 (LISTEN/NOTIFY)', pgDelays], ['sqlite+fs, shared file (baseline)', sqliteDelays]].map(([label, delays]) => [
      label,
      ms(quantile(delays, 0.5)),
      ms(quantile(delays, 0.9)),
      ms(Math.max(...delays)),
      ms(Math.min(...delays)),
    ]),
  );
  const worst = Math.max(...pgDelays);
  console.log(`postgres+s3: max ${ms(worst)} (target < ${PROPAGATION_TARGET_MS} ms): ${worst < PROPAGATION_TARGET_MS ? 'met' : 'MISSED'}`);

  // Only the two measured replicas stay: the A's would take CPU from them.
  await Promise.all([stopServer(pg.a.server), stopServer(sqlite.a.server)]);
  console.log(`\n(b) warm render throughput of one replica: GET ${ROUTE}, autocannon ${CONNECTIONS} connections, ${duration} s a run`);
  for (const { b } of [pg, sqlite]) {
    await publish(b.url, b.token, 'bench', '1.0.0', { serverCode: SERVER_CODE, parameters: PARAMETERS });
    await warm(b.url);
  }
  // Interleaved (sqlite, pg, sqlite, …, sqlite): drift on a busy machine falls on both sides.
  const bases = [await load('sqlite+fs (1)', sqlite.b)];
  const pgs = [];
  let pgCommits = 0;
  for (let i = 1; i <= rounds; i++) {
    const before = await commits();
    pgs.push(await load(`postgres+s3 (${i})`, pg.b));
    pgCommits += (await commits()) - before; // counted from the "postgres" database, so not counting itself
    bases.push(await load(`sqlite+fs (${i + 1})`, sqlite.b));
  }
  console.log('');
  const runs = bases.flatMap((base, i) => (pgs[i] ? [base, pgs[i]] : [base]));
  const cpu = (r) => (r.cpuPerK === undefined ? '-' : r.cpuPerK.toFixed(0));
  printTable(
    ['run', 'req/s (avg)', 'p50 (ms)', 'p99 (ms)', 'requests', 'CPU ms / 1k renders'],
    runs.map((r) => [r.label, r.reqPerSec.toFixed(0), String(r.p50), String(r.p99), String(r.total), cpu(r)]),
  );
  const mean = (values) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const ratio = mean(pgs.map((r) => r.reqPerSec)) / mean(bases.map((r) => r.reqPerSec));
  // Each pg run against the mean of the two sqlite runs around it: less sensitive to a slow stretch.
  const local = pgs.map((r, i) => r.reqPerSec / mean([bases[i].reqPerSec, bases[i + 1].reqPerSec]));
  console.log(`sqlite+fs baseline (mean of ${bases.length}) = ${mean(bases.map((r) => r.reqPerSec)).toFixed(0)} req/s; postgres+s3 (mean of ${pgs.length}) = ${mean(pgs.map((r) => r.reqPerSec)).toFixed(0)} req/s`);
  console.log(`ratio postgres+s3 / sqlite+fs = ${ratio.toFixed(2)} (target >= ${THROUGHPUT_TARGET}); each pg run / its neighbours: ${local.map((r) => r.toFixed(2)).join(', ')}`);
  if (runs.every((r) => r.cpuPerK !== undefined)) {
    // CPU per render barely moves with what else the machine runs; req/s does.
    const cpuRatio = mean(bases.map((r) => r.cpuPerK)) / mean(pgs.map((r) => r.cpuPerK));
    console.log(`CPU per render, sqlite+fs / postgres+s3 = ${cpuRatio.toFixed(2)} (the same work per render: 1.00; ${mean(pgs.map((r) => r.cpuPerK)).toFixed(0)} against ${mean(bases.map((r) => r.cpuPerK)).toFixed(0)} CPU ms per 1000 renders)`);
  }
  // Both at once, twice (each started first once): whatever else the machine runs meanwhile
  // slows both alike, so these ratios move less than the ones above from run to run.
  const together = [];
  for (const first of ['pg', 'sqlite']) {
    const runs = { pg: () => load('postgres+s3 (together)', pg.b), sqlite: () => load('sqlite+fs (together)', sqlite.b) };
    const started = Object.fromEntries((first === 'pg' ? ['pg', 'sqlite'] : ['sqlite', 'pg']).map((key) => [key, runs[key]()]));
    const [pgBoth, sqliteBoth] = await Promise.all([started.pg, started.sqlite]);
    together.push(pgBoth.reqPerSec / sqliteBoth.reqPerSec);
    console.log(`loaded together (${first} started first): postgres+s3 ${pgBoth.reqPerSec.toFixed(0)} req/s, sqlite+fs ${sqliteBoth.reqPerSec.toFixed(0)} req/s`);
  }
  console.log(`ratio loaded together = ${mean(together).toFixed(2)} (${together.map((r) => r.toFixed(2)).join(', ')})`);
  console.log(`PostgreSQL transactions during the ${pgs.reduce((n, r) => n + r.total, 0)} pg renders: ${pgCommits}`);

  const closed = await Promise.all([stopServer(pg.b.server), stopServer(sqlite.b.server)]);
  const errors = closed.flatMap((c) => c.errors);
  if (errors.length) console.log(`note: the registries logged ${errors.length} error(s); first: ${errors[0]}`);
}

await runBench(
  async () => {
    try {
      await main();
    } finally {
      // The registries first (runBench stops them too, but after this): they must not outlive their database.
      await stopAll();
      await Promise.allSettled(services.map((service) => service.stop()));
    }
  },
  () => tempDir,
);
