/**
 * Noisy-neighbour benchmark: how much a component that hogs the sandbox (a loader spinning
 * synchronously for 2 s) costs another, healthy component served by the same registry.
 *
 *   npm run bench:neighbour              (builds, then runs this file; 10 s per run)
 *   BENCH_DURATION=5 node bench/noisy-neighbour.js
 *   BENCH_REGISTRY_DIST=/path/to/other/dist node bench/noisy-neighbour.js   (another build)
 *
 * Steps: start registry-lite in a child process (bench/servers.js, loader timeout 5000 ms so
 * that a 2 s spin is slow but allowed), publish `healthy` (returns its parameter) and
 * `spinner` (spins 2 s, then returns) over HTTP, check both, warm `healthy` up (2 s of load,
 * not reported), then load it with autocannon three times: quiet → noisy (a spinner request
 * fired every 500 ms, not awaited in sequence) → quiet. Before each run the registry's
 * process tree is left to go idle, so a quiet run does not pay for spinner work still
 * queued from the noisy one. The ratio is healthy req/s in the noisy run over the mean of
 * the two quiet runs. Requests still waiting when a run ends are counted nowhere by
 * autocannon (not even as errors): a healthy component stalled by its neighbour shows as
 * few answered requests and a low req/s, not necessarily as errors.
 *
 * Exit code: 0 whatever the ratio (a measurement, not a test); 1 if something failed to
 * start or a check failed before the runs.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { distDir, fail, printTable, publish, quantile, renderData, runBench, startRegistry, stopServer, timedGet, waitFor, waitIdle } from './harness.js';

const HEALTHY_ROUTE = '/r/component/healthy/1.0.0?name=world';
const SPINNER_ROUTE = '/r/component/spinner/1.0.0';
const SPIN_MS = 2000;
const FIRE_EVERY_MS = 500;
const CONNECTIONS = 50;
const WARMUP_REQUESTS = 200;
/** Seconds of unreported load before the first run, so that it does not pay for JIT warm-up. */
const WARMUP_LOAD_S = 2;
const TARGET = 0.5;
const duration = Number(process.env.BENCH_DURATION || 10);
/** The registry's loader timeout: above SPIN_MS, so the spinner's renders are slow, not cut. */
const timeout = Number(process.env.BENCH_TIMEOUT || 5000);
/** Sandbox processes (worker threads in older builds); default: the registry's own default. */
const sandboxes = process.env.BENCH_SANDBOXES ? Number(process.env.BENCH_SANDBOXES) : undefined;

const HEALTHY_CODE = `'use strict';
module.exports = {
  parameters: { name: { type: 'string', mandatory: true } },
  loader: ({ parameters }) => ({ name: parameters.name }),
};
`;
const SPINNER_CODE = `'use strict';
module.exports = {
  loader: () => {
    const end = Date.now() + ${SPIN_MS};
    while (Date.now() < end) {}
    return { spun: true };
  },
};
`;

function runLoad(label, url) {
  process.stdout.write(`  ${label}: ${duration} s of load on healthy…\n`);
  return autocannon({ url: url + HEALTHY_ROUTE, connections: CONNECTIONS, pipelining: 1, duration }).then((result) => ({
    label,
    reqPerSec: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    statuses: Object.entries(result.statusCodeStats ?? {})
      .filter(([code]) => !code.startsWith('2'))
      .map(([code, { count }]) => `${code}×${count}`)
      .join(' '),
  }));
}

/** The noisy run: the same load, and a spinner request every FIRE_EVERY_MS until it ends. */
async function runNoisy(label, url) {
  const spins = [];
  const fire = () => {
    const sent = performance.now();
    spins.push(
      timedGet(url + SPINNER_ROUTE).then(
        (answer) => ({ ...answer, sent }),
        (error) => ({ status: `fetch error (${error?.cause?.code ?? error?.message ?? error})`, body: '', ms: performance.now() - sent, sent }),
      ),
    );
  };
  const load = runLoad(label, url);
  fire();
  const timer = setInterval(fire, FIRE_EVERY_MS);
  const result = await load;
  clearInterval(timer);
  process.stdout.write(`  waiting for the ${spins.length} spinner requests to settle…\n`);
  return { result, spins: await Promise.all(spins) };
}

/** Lets spinner work still queued in the registry finish before the next run. */
async function settle(registry, what) {
  const idle = await waitIdle(registry.child.pid);
  if (idle === undefined) return;
  if (!idle.idle) console.log(`  note: the registry's processes were still busy ${(idle.ms / 1000).toFixed(1)} s ${what}; measuring anyway`);
  else if (idle.ms > 1000) console.log(`  the registry's processes went idle ${(idle.ms / 1000).toFixed(1)} s ${what}`);
}

function summarizeSpins(spins) {
  const counts = new Map();
  const samples = new Map();
  for (const spin of spins) {
    counts.set(spin.status, (counts.get(spin.status) ?? 0) + 1);
    if (!samples.has(spin.status) && spin.status !== 200) samples.set(spin.status, spin.body.slice(0, 200));
  }
  const text = [...counts].map(([status, n]) => `${status}×${n}`).join(' ');
  return { text, samples };
}

let dataDir;

async function main() {
  if (!Number.isFinite(duration) || duration <= 0) fail(`BENCH_DURATION must be a positive number of seconds, got "${process.env.BENCH_DURATION}"`);
  if (!(timeout > SPIN_MS)) fail(`BENCH_TIMEOUT must be above the spinner's ${SPIN_MS} ms, got "${process.env.BENCH_TIMEOUT}"`);
  const registryOptions = { timeout };
  if (sandboxes !== undefined) Object.assign(registryOptions, { processes: sandboxes, workers: sandboxes });
  console.log(`mikr0 noisy-neighbour benchmark: Node ${process.version}, os.availableParallelism() = ${os.availableParallelism()}`);
  console.log(`registry: ${distDir}, options ${JSON.stringify(registryOptions)}`);
  console.log(`autocannon: ${CONNECTIONS} connections, ${duration} s per run, GET ${HEALTHY_ROUTE}`);
  console.log(`noise: GET ${SPINNER_ROUTE} (a ${SPIN_MS} ms synchronous spin) every ${FIRE_EVERY_MS} ms during the noisy run`);

  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'mikr0-bench-neighbour-'));
  const registry = startRegistry('registry', dataDir, registryOptions);
  const { url, token } = await waitFor(registry, 'ready');
  await publish(url, token, 'healthy', '1.0.0', { serverCode: HEALTHY_CODE, parameters: { name: { type: 'string', mandatory: true } } });
  await publish(url, token, 'spinner', '1.0.0', { serverCode: SPINNER_CODE });

  for (let i = 0; i < WARMUP_REQUESTS; i++) {
    const data = renderData(`healthy warm-up request #${i + 1}`, await timedGet(url + HEALTHY_ROUTE));
    if (data?.name !== 'world') fail(`healthy answered data ${JSON.stringify(data)}, expected {"name":"world"}`);
  }
  const check = await timedGet(url + SPINNER_ROUTE);
  if (renderData('the spinner check request', check)?.spun !== true) fail(`spinner answered ${check.body.slice(0, 300)}`);
  console.log(`checks: healthy answers {"name":"world"}; one spinner render alone took ${check.ms.toFixed(0)} ms`);

  console.log('');
  process.stdout.write(`  warm-up: ${WARMUP_LOAD_S} s of load on healthy (not reported)…\n`);
  await autocannon({ url: url + HEALTHY_ROUTE, connections: CONNECTIONS, pipelining: 1, duration: WARMUP_LOAD_S });
  await settle(registry, 'after the checks');
  const quiet1 = await runLoad('quiet (1)', url);
  await settle(registry, 'after quiet (1)');
  const noisy = await runNoisy('noisy', url);
  await settle(registry, 'after the last spinner answer');
  const quiet2 = await runLoad('quiet (2)', url);
  const logged = await stopServer(registry);

  const spins = summarizeSpins(noisy.spins);
  const spinMs = noisy.spins.map((s) => s.ms);
  const rows = [quiet1, { ...noisy.result, spinner: spins.text }, quiet2].map((r) => [
    r.label,
    r.reqPerSec.toFixed(0),
    String(r.p50),
    String(r.p99),
    String(r.max),
    String(r.total),
    String(r.non2xx) + (r.statuses ? ` (${r.statuses})` : ''),
    String(r.errors),
    r.spinner ?? '-',
  ]);
  console.log('');
  printTable(['run', 'healthy req/s', 'p50 (ms)', 'p99 (ms)', 'max (ms)', 'answered', 'non-2xx', 'errors', 'spinner statuses'], rows);
  console.log('');
  console.log(
    `spinner: ${noisy.spins.length} requests, ${spins.text}; time to answer median ${quantile(spinMs, 0.5).toFixed(0)} ms, ` +
      `max ${Math.max(...spinMs).toFixed(0)} ms`,
  );
  console.log(`  in the order sent (every ${FIRE_EVERY_MS} ms): ${noisy.spins.map((s) => `${s.status} ${(s.ms / 1000).toFixed(1)}s`).join(', ')}`);
  for (const [status, body] of spins.samples) console.log(`  first ${status} answer: ${body}`);

  const quietMean = (quiet1.reqPerSec + quiet2.reqPerSec) / 2;
  const ratio = quietMean > 0 ? noisy.result.reqPerSec / quietMean : 0;
  const healthyBad = [quiet1, noisy.result, quiet2].reduce((n, r) => n + r.non2xx + r.errors, 0);
  console.log(`healthy quiet (mean of 2 runs) = ${quietMean.toFixed(0)} req/s; noisy = ${noisy.result.reqPerSec.toFixed(0)} req/s`);
  console.log(`ratio noisy/quiet = ${ratio.toFixed(2)} (target >= ${TARGET}, with zero non-2xx and errors on healthy)`);
  console.log(
    ratio >= TARGET && healthyBad === 0
      ? 'target met'
      : `target missed: ${[ratio < TARGET ? `ratio ${ratio.toFixed(2)} < ${TARGET}` : '', healthyBad ? `${healthyBad} failed healthy requests` : ''].filter(Boolean).join(', ')}`,
  );
  const show = (list, kind) => {
    if (!list.length) return;
    console.log(`the registry logged ${list.length} ${kind}(s); first ones:`);
    for (const line of list.slice(0, 5)) console.log(`  ${line.split('\n')[0].slice(0, 300)}`);
  };
  show(logged.errors, 'error');
  show(logged.warnings, 'warning');
}

await runBench(main, () => dataDir);
