/**
 * Cold-start benchmark: what the first render of a version costs after the registry starts
 * (its server code fetched from storage and compiled in a fresh sandbox context), against a
 * warm render of the same version, measured in the same run.
 *
 *   npm run bench:cold                   (builds, then runs this file)
 *   BENCH_VERSIONS=40 node bench/cold-start.js
 *   BENCH_REGISTRY_DIST=/path/to/other/dist node bench/cold-start.js   (another build)
 *
 * Steps: start registry-lite in a child process (bench/servers.js) on a temp data folder,
 * publish K versions `cold@1.0.0` … `cold@1.0.<K-1>` over HTTP, each a ~50 kB server.cjs
 * that looks bundled (a generated lookup table, a Map built from it at load, a few dozen
 * small functions the loader calls; the table differs per version so that no two sources
 * are the same), check one, then stop the registry and start a new one on the same data
 * folder so nothing compiled or cached in memory survives. Once /health answers, each
 * version gets two GETs in a row: the first is cold, the second warm.
 *
 * Exit code: 0 whatever the ratio (a measurement, not a test); 1 if something failed.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { distDir, fail, publish, quantile, renderData, runBench, sleep, startRegistry, stopServer, timedGet, waitFor } from './harness.js';

const versions = Number(process.env.BENCH_VERSIONS || 20);
const sandboxes = process.env.BENCH_SANDBOXES ? Number(process.env.BENCH_SANDBOXES) : undefined;
const TABLE_ROWS = 700;
const FUNCTIONS = 40;

/** A deterministic pseudo-random sequence per version (mulberry32). */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'xe', 'zu', 'pa', 'do'];

/** server.cjs of version `i`, in the shape of a Rollup/Vite CommonJS build. */
function serverCode(i) {
  const rnd = random(0x9e3779b9 ^ (i * 7919));
  const word = () => Array.from({ length: 3 + Math.floor(rnd() * 3) }, () => SYLLABLES[Math.floor(rnd() * SYLLABLES.length)]).join('');
  const rows = [];
  for (let r = 0; r < TABLE_ROWS; r++) {
    const tags = Array.from({ length: 3 }, () => Math.floor(rnd() * 1000));
    rows.push(`[${r},"${word()}-${r}",${(rnd() * 100).toFixed(3)},${rnd() < 0.5 ? '!0' : '!1'},[${tags.join(',')}]]`);
  }
  const fns = [];
  for (let j = 0; j < FUNCTIONS; j++) {
    fns.push(`function f${j}(acc, row) {
  const [id, name, weight, flag, tags] = row;
  let h = ${(rnd() * 2 ** 31) >>> 0};
  for (let k = 0; k < name.length; k++) h = Math.imul(h ^ name.charCodeAt(k), 16777619) >>> 0;
  const t = tags.reduce((s, v, n) => s + v * (n + ${(j % 7) + 1}), 0);
  switch (h % ${3 + (j % 4)}) {
    case 0: return flag ? acc + (h % ${97 + j}) / ${101 + j} + t * weight / 1e4 : acc - t / (${j} + id + 1);
    case 1: return acc * ${(0.5 + rnd() / 2).toFixed(4)} + (weight > ${(rnd() * 100).toFixed(1)} ? 1 : -1);
    default: return acc + Math.sqrt(t + ${j}) / (1 + (id % ${5 + j}));
  }
}`);
  }
  return `'use strict';
Object.defineProperty(exports, Symbol.toStringTag, { value: 'Module' });
const VERSION = '1.0.${i}';
const TABLE = [
${rows.join(',\n')}
];
const byKey = new Map();
for (const row of TABLE) byKey.set('k' + row[0], row);
${fns.join('\n')}
const steps = [${Array.from({ length: FUNCTIONS }, (_, j) => `f${j}`).join(', ')}];
function formatLabel(row) {
  const [id, name, weight] = row;
  return name.charAt(0).toUpperCase() + name.slice(1) + ' #' + id + ' (' + weight.toFixed(1) + ')';
}
const parameters = {};
const loader = ({ parameters: params }) => {
  const key = typeof params.key === 'string' ? params.key : 'k${i % TABLE_ROWS}';
  const row = byKey.get(key) ?? TABLE[0];
  let acc = 0;
  for (let j = 0; j < steps.length; j++) acc = steps[j](acc, row);
  return { version: VERSION, key, label: formatLabel(row), score: Math.round(acc * 1000) / 1000 };
};
exports.loader = loader;
exports.parameters = parameters;
`;
}

function route(i) {
  return `/r/component/cold/1.0.${i}`;
}

function checkAnswer(what, answer, i) {
  const data = renderData(what, answer);
  if (data?.version !== `1.0.${i}` || typeof data.score !== 'number' || typeof data.label !== 'string') {
    fail(`${what}: unexpected data ${JSON.stringify(data)}`);
  }
}

const ms = (n) => n.toFixed(1);

let dataDir;

async function main() {
  if (!Number.isInteger(versions) || versions < 2) fail(`BENCH_VERSIONS must be an integer of at least 2, got "${process.env.BENCH_VERSIONS}"`);
  const registryOptions = sandboxes === undefined ? {} : { processes: sandboxes, workers: sandboxes };
  const size = Buffer.byteLength(serverCode(0));
  console.log(`mikr0 cold-start benchmark: Node ${process.version}, os.availableParallelism() = ${os.availableParallelism()}`);
  console.log(`registry: ${distDir}, options ${JSON.stringify(registryOptions)}`);
  console.log(`${versions} versions cold@1.0.0 … cold@1.0.${versions - 1}, server.cjs of ${(size / 1024).toFixed(1)} kB each`);

  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'mikr0-bench-cold-'));
  const first = startRegistry('registry (publishing)', dataDir, registryOptions);
  const { url: firstUrl, token } = await waitFor(first, 'ready');
  for (let i = 0; i < versions; i++) await publish(firstUrl, token, 'cold', `1.0.${i}`, { serverCode: serverCode(i) });
  checkAnswer('the check render of cold@1.0.0', await timedGet(firstUrl + route(0)), 0);
  await stopServer(first);

  // A new registry process on the same data folder: nothing compiled in memory survives.
  // Round 1: versions never rendered. Round 2: each rendered once before the restart, so a
  // registry that stores V8's code cache next to the bundle finds it.
  const never = await coldRound('never rendered before', registryOptions);
  const rendered = await coldRound('rendered before the restart', registryOptions);
  console.log('');
  for (const [label, { cold, warm }] of [['never rendered before', never], ['rendered before the restart', rendered]]) {
    const coldMedian = quantile(cold, 0.5);
    const warmMedian = quantile(warm, 0.5);
    console.log(`${label}: first render after the restart (cold@1.0.0) ${ms(cold[0])} ms`);
    console.log(`  cold: median ${ms(coldMedian)} ms, p90 ${ms(quantile(cold, 0.9))} ms, max ${ms(Math.max(...cold))} ms (${versions} versions)`);
    console.log(`  warm: median ${ms(warmMedian)} ms, p90 ${ms(quantile(warm, 0.9))} ms, max ${ms(Math.max(...warm))} ms`);
    console.log(`  ratio cold/warm (medians) = ${(coldMedian / warmMedian).toFixed(1)}; cold − warm (medians) = ${ms(coldMedian - warmMedian)} ms`);
  }
}

/** Restarts the registry on the data folder, then renders each version twice: cold, then warm. */
async function coldRound(label, registryOptions) {
  const started = performance.now();
  const registry = startRegistry(`registry (${label})`, dataDir, registryOptions);
  const { url } = await waitFor(registry, 'ready');
  const readyMs = performance.now() - started;
  let health;
  for (let attempt = 0; ; attempt++) {
    health = await timedGet(`${url}/health`).catch(() => undefined);
    if (health?.status === 200) break;
    if (attempt > 200) fail(`/health did not answer 200 after the restart (last: ${health?.status} ${health?.body})`);
    await sleep(25);
  }
  console.log(`restart (${label}): listening after ${ms(readyMs)} ms, /health 200 after ${ms(performance.now() - started)} ms`);
  const cold = [];
  const warm = [];
  for (let i = 0; i < versions; i++) {
    const c = await timedGet(url + route(i));
    checkAnswer(`the cold render of cold@1.0.${i}`, c, i);
    const w = await timedGet(url + route(i));
    checkAnswer(`the warm render of cold@1.0.${i}`, w, i);
    cold.push(c.ms);
    warm.push(w.ms);
    process.stderr.write(`  cold@1.0.${i}: cold ${ms(c.ms)} ms, warm ${ms(w.ms)} ms\n`);
  }
  // Code caches are written a moment after the first render: let them land before stopping.
  await sleep(300);
  const logged = await stopServer(registry);
  if (logged.errors.length) console.log(`note: the registry logged ${logged.errors.length} error(s); first: ${logged.errors[0].split('\n')[0]}`);
  return { cold, warm };
}

await runBench(main, () => dataDir);
