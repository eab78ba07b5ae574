/**
 * Publish-scale benchmark: does publishing and rendering get slower as one component's
 * versions pile up? Measured over HTTP against a real registry (bench/servers.js) at 50, 500
 * and 5,000 existing versions of the component; 50 is the baseline, measured in the same run,
 * and the ratio 5000/50 is the figure to read (1.0 = no slower).
 *
 *   npm run build && node bench/publish-scale.js
 *   BENCH_SCALES=50,500,5000 BENCH_SAMPLES=20 node bench/publish-scale.js
 *   BENCH_REGISTRY_DIST=/path/to/other/dist node bench/publish-scale.js   (another build)
 *
 * Seeding (a deliberate choice): the existing versions are written straight through the
 * build's own metadata and storage API (`openMetadata` and `filesystemDriver` of
 * dist/registry-lite; for builds older than the async metadata interface, their synchronous
 * SQLite stores) into the data folder, before the registry starts. Publishing 5,000 versions
 * over HTTP would spend the time budget on seeding and measure it, not the registry at 5,000.
 * Every seeded version points at one stored bundle: what grows with the versions is the
 * metadata, which is what this measures. The seeded rows are what a publish writes.
 *
 * For each scale, on a fresh data folder: seed N versions (1.0.0 … 1.<N/100>.<N%100>),
 * start the registry, render the component's latest version once (first render after a
 * start: the versions are read), publish a few versions to warm up, then
 * - SAMPLES publishes back to back, each a new highest version (PUT timed);
 * - SAMPLES times: PUT a new highest version, then GET the component's latest version
 *   (timed: the first render of the version just published, resolved as "latest").
 * Bodies are packed before the clock starts; medians are reported. The scales run twice,
 * in order and then in reverse (50, 500, 5000, 5000, 500, 50), and each figure is the mean
 * of its two runs, so drift during the run (JIT, a busy machine) falls on every scale alike.
 *
 * Exit code: 0 whatever the ratios (a measurement, not a test); 1 if something failed.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundle, distDir, fail, printTable, quantile, renderData, runBench, startRegistry, stopServer, timedGet, waitFor } from './harness.js';

const scales = (process.env.BENCH_SCALES || '50,500,5000').split(',').map(Number);
const samples = Number(process.env.BENCH_SAMPLES || 20);
const WARMUP = 3;
const NAME = 'scale';
const SERVER_CODE = `'use strict';
module.exports = { loader: ({ parameters }) => ({ n: parameters.n ?? null }) };
`;

const load = (file) => import(pathToFileURL(path.join(distDir, file)).href);

/** Writes `count` versions of NAME into `dataDir` through the build's own API. */
async function seed(dataDir, count) {
  const [{ readTarGz, buildManifest }, registry] = await Promise.all([load('bundle/index.js'), load('registry-lite/index.js')]);
  const files = await readTarGz(await bundle(NAME, '1.0.0', { serverCode: SERVER_CODE }), { maxUnpackedBytes: 1e8, maxFiles: 100 });
  const { description, manifest } = buildManifest(NAME, '1.0.0', files, { plugins: [], dependencies: [] });
  const prefix = `${NAME}/seed/000000`;
  const storage = registry.filesystemDriver({ base: path.join(dataDir, 'storage') });
  for (const file of files) await storage.setItemRaw(`${prefix}/${file.path}`, file.data);
  const store = await openStore(registry, dataDir);
  try {
    for (let i = 0; i < count; i++) {
      const version = `1.${Math.floor(i / 100)}.${i % 100}`;
      if (!(await store.insert({ name: NAME, version, description, manifest, prefix, publishedAt: Date.now() }))) fail(`seeding ${version} failed`);
    }
  } finally {
    await store.close();
  }
}

/** The build's metadata: the public async API, or the synchronous SQLite stores of older builds. */
async function openStore(registry, dataDir) {
  if (registry.openMetadata) {
    const metadata = registry.openMetadata({ dataDir });
    return { insert: (record) => metadata.components.insert(record), close: () => metadata.close() };
  }
  const [{ openDatabase }, { createComponentStore }] = await Promise.all([load('registry-lite/metadata/database.js'), load('registry-lite/metadata/components.js')]);
  const db = openDatabase(path.join(dataDir, 'registry.db'));
  const store = createComponentStore(db);
  return { insert: async (record) => store.insert(record), close: async () => db.close() };
}

async function timedPut(url, token, version, body) {
  const start = performance.now();
  const res = await fetch(`${url}/r/publish/${NAME}/${version}`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/gzip' },
    body,
  });
  const text = await res.text();
  const ms = performance.now() - start;
  if (res.status !== 201) fail(`publishing ${NAME}@${version} answered HTTP ${res.status}: ${text}`);
  return ms;
}

/** GET latest; it must be `expected`. */
async function renderLatest(url, expected) {
  const result = await timedGet(`${url}/r/component/${NAME}?n=1`);
  renderData(`GET ${NAME} (latest)`, result);
  const { version } = JSON.parse(result.body);
  if (version !== expected) fail(`latest of ${NAME} resolved to ${version}, expected ${expected}`);
  return result.ms;
}

let tempRoot;
let folders = 0;

async function measure(count) {
  const dataDir = path.join(tempRoot, `run-${++folders}-${count}`);
  const seedStart = performance.now();
  await seed(dataDir, count);
  const seedMs = performance.now() - seedStart;
  const bodies = [];
  for (let i = 0; i < WARMUP + 2 * samples; i++) bodies.push(await bundle(NAME, `2.0.${i}`, { serverCode: SERVER_CODE }));

  const registry = startRegistry(`registry (${count} versions)`, dataDir, { processes: 1 });
  try {
    const { url, token } = await waitFor(registry, 'ready');
    const highest = `1.${Math.floor((count - 1) / 100)}.${(count - 1) % 100}`;
    const firstRender = await renderLatest(url, highest);
    const publishes = [];
    const renders = [];
    for (let i = 0; i < WARMUP; i++) {
      await timedPut(url, token, `2.0.${i}`, bodies[i]);
      await renderLatest(url, `2.0.${i}`);
    }
    for (let i = WARMUP; i < WARMUP + samples; i++) publishes.push(await timedPut(url, token, `2.0.${i}`, bodies[i]));
    for (let i = WARMUP + samples; i < bodies.length; i++) {
      await timedPut(url, token, `2.0.${i}`, bodies[i]);
      renders.push(await renderLatest(url, `2.0.${i}`));
    }
    return { count, seedMs, firstRender, publish: quantile(publishes, 0.5), render: quantile(renders, 0.5) };
  } finally {
    const { errors } = await stopServer(registry);
    if (errors.length) fail(`the registry logged ${errors.length} error(s); first: ${errors[0]}`);
  }
}

async function main() {
  if (!scales.length || scales.some((n) => !Number.isInteger(n) || n < 1)) fail(`BENCH_SCALES must be positive integers separated by commas, got "${process.env.BENCH_SCALES}"`);
  if (!Number.isInteger(samples) || samples < 1) fail(`BENCH_SAMPLES must be a positive integer, got "${process.env.BENCH_SAMPLES}"`);
  console.log(`mikr0 publish-scale benchmark: Node ${process.version}, build ${distDir}`);
  console.log(`${samples} publishes + renders of latest per scale (after ${WARMUP} warm-up), at ${scales.join(', ')} existing versions of one component\n`);
  tempRoot = await fs.mkdtemp(path.join(os.tmpdir(), 'mikr0-bench-scale-'));

  const runs = [];
  for (const count of [...scales, ...[...scales].reverse()]) {
    process.stdout.write(`  ${count} versions…\n`);
    runs.push(await measure(count));
  }
  const mean = (list, key) => list.reduce((sum, r) => sum + r[key], 0) / list.length;
  const rows = scales.map((count) => {
    const mine = runs.filter((r) => r.count === count);
    return { count, seedMs: mean(mine, 'seedMs'), firstRender: mean(mine, 'firstRender'), publish: mean(mine, 'publish'), render: mean(mine, 'render') };
  });
  const base = rows[0];
  const ratio = (value, baseline) => (value / baseline).toFixed(2);
  console.log('');
  printTable(
    ['versions', 'seeded in (ms)', 'first render after start (ms)', 'publish p50 (ms)', 'render after publish p50 (ms)', 'publish ×', 'render ×'],
    rows.map((r) => [
      String(r.count),
      r.seedMs.toFixed(0),
      r.firstRender.toFixed(1),
      r.publish.toFixed(2),
      r.render.toFixed(2),
      ratio(r.publish, base.publish),
      ratio(r.render, base.render),
    ]),
  );
  const last = rows[rows.length - 1];
  console.log('');
  console.log(`ratio ${last.count}/${base.count}: publish ${ratio(last.publish, base.publish)}, render after publish ${ratio(last.render, base.render)}, first render after start ${ratio(last.firstRender, base.firstRender)} (1.00 = no slower)`);
}

await runBench(main, () => tempRoot);
