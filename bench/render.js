/**
 * Render benchmark: how many trivial-component renders per second registry-lite serves,
 * compared with a bare node:http server sending a response of the same size.
 *
 *   npm run bench                        (builds, then runs this file; 10 s per run)
 *   BENCH_DURATION=3 node bench/render.js
 *   BENCH_CPU_PROF_DIR=/tmp/prof node bench/render.js   (CPU profiles of the registry process)
 *
 * Process layout (a deliberate choice): autocannon runs here, in the parent, and each server
 * runs in a child process of its own (`bench/servers.js registry|bare`). Both servers thus
 * get the same treatment: a main thread not shared with the load generator, started the
 * same way with the same Node flags. Putting either server in this process would make it
 * compete with autocannon for one event loop and skew the ratio. The registry's sandbox
 * processes are children of its child process, as they would be in production.
 *
 * Steps: start the registry (temp data folder, silent logger), publish a trivial component
 * over HTTP, warm it up and check its answer, start the bare server with the registry's real
 * response body, then load bare → registry → bare → registry → bare with the same autocannon settings and
 * compare the mean of the registry runs with the mean of the bare runs (interleaved).
 *
 * Exit code: 0 whatever the ratio (a measurement, not a test); 1 if something failed.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { fail, printTable, publish, runBench, startRegistry, startServer, stopServer, waitFor } from './harness.js';

const ROUTE = '/r/component/bench/1.0.0?name=world';
const WARMUP_REQUESTS = 300;
const CONNECTIONS = 50;
const PIPELINING = 1;
const TARGET = 0.5;
const duration = Number(process.env.BENCH_DURATION || 10);
const cpuProfDir = process.env.BENCH_CPU_PROF_DIR;

const SERVER_CODE = `'use strict';
module.exports = {
  parameters: { name: { type: 'string', mandatory: true } },
  loader: ({ parameters }) => ({ name: parameters.name }),
};
`;

/** Sequential GETs that warm the server up; every answer must be the expected one. */
async function warm(label, url, check) {
  let last;
  for (let i = 0; i < WARMUP_REQUESTS; i++) {
    const res = await fetch(url + ROUTE);
    const body = await res.text();
    check(res, body, i);
    last = { body, contentType: res.headers.get('content-type') };
  }
  return last;
}

function checkRender(res, body, i) {
  if (res.status !== 200) fail(`render request #${i + 1} answered HTTP ${res.status}: ${body}`);
  let payload;
  try {
    payload = JSON.parse(body);
  } catch {
    fail(`render request #${i + 1} did not answer JSON: ${body.slice(0, 200)}`);
  }
  const data = payload?.data;
  if (!data || typeof data !== 'object' || Object.keys(data).length !== 1 || data.name !== 'world') {
    fail(`render request #${i + 1}: expected data {"name":"world"}, got ${JSON.stringify(data)} in ${body}`);
  }
}

function runLoad(label, url) {
  process.stdout.write(`  ${label}: ${duration} s of load…\n`);
  return autocannon({ url: url + ROUTE, connections: CONNECTIONS, pipelining: PIPELINING, duration }).then((result) => ({
    label,
    reqPerSec: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  }));
}

function printRuns(rows) {
  printTable(
    ['run', 'req/s (avg)', 'p50 (ms)', 'p99 (ms)', 'requests', 'non-2xx', 'errors'],
    rows.map((r) => [r.label, r.reqPerSec.toFixed(0), String(r.p50), String(r.p99), String(r.total), String(r.non2xx), String(r.errors + r.timeouts)]),
  );
}

/** The registry's temp data folder, removed on every way out. */
let dataDir;

async function main() {
  if (!Number.isFinite(duration) || duration <= 0) fail(`BENCH_DURATION must be a positive number of seconds, got "${process.env.BENCH_DURATION}"`);
  console.log(`mikr0 render benchmark: Node ${process.version}, os.availableParallelism() = ${os.availableParallelism()}`);
  console.log(`autocannon: ${CONNECTIONS} connections, pipelining ${PIPELINING}, ${duration} s per run, GET ${ROUTE}`);

  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'mikr0-bench-'));
  const registryExecArgv = cpuProfDir
    ? [...process.execArgv, '--cpu-prof', `--cpu-prof-dir=${path.resolve(cpuProfDir)}`]
    : process.execArgv;
  const registry = startRegistry('registry', dataDir, {}, registryExecArgv);
  const { url: registryUrl, token } = await waitFor(registry, 'ready');
  await publish(registryUrl, token, 'bench', '1.0.0', { serverCode: SERVER_CODE, parameters: { name: { type: 'string', mandatory: true } } });
  const reference = await warm('registry', registryUrl, checkRender);
  const bodyBytes = Buffer.byteLength(reference.body);
  console.log(`registry response: ${bodyBytes} bytes, ${reference.contentType}: ${reference.body}`);

  const bare = startServer('bare', ['bare']);
  bare.child.send({ type: 'body', body: reference.body, contentType: reference.contentType });
  const { url: bareUrl } = await waitFor(bare, 'ready');
  await warm('bare', bareUrl, (res, body, i) => {
    if (res.status !== 200 || body !== reference.body || res.headers.get('content-type') !== reference.contentType) {
      fail(`bare server request #${i + 1} did not answer the reference body (HTTP ${res.status})`);
    }
  });

  console.log('');
  // Interleaved runs (bare, registry, bare, registry, bare): drift on a noisy machine
  // falls on both sides instead of on one.
  const bares = [];
  const regs = [];
  bares.push(await runLoad('bare node:http (1)', bareUrl));
  regs.push(await runLoad('registry-lite (1)', registryUrl));
  bares.push(await runLoad('bare node:http (2)', bareUrl));
  regs.push(await runLoad('registry-lite (2)', registryUrl));
  bares.push(await runLoad('bare node:http (3)', bareUrl));

  const [registryClosed] = await Promise.all([stopServer(registry), stopServer(bare)]);

  const mean = (runs) => runs.reduce((sum, run) => sum + run.reqPerSec, 0) / runs.length;
  const baseline = mean(bares);
  const ratio = baseline > 0 ? mean(regs) / baseline : 0;
  const sum = (key) => regs.reduce((n, r) => n + r[key], 0);
  const reg = { non2xx: sum('non2xx'), errors: sum('errors'), timeouts: sum('timeouts'), total: Math.min(...regs.map((r) => r.total)) };
  console.log('');
  printRuns([bares[0], regs[0], bares[1], regs[1], bares[2]]);
  console.log('');
  console.log(`bare baseline (mean of ${bares.length} runs) = ${baseline.toFixed(0)} req/s; registry-lite (mean of ${regs.length}) = ${mean(regs).toFixed(0)} req/s`);
  console.log(`ratio registry/bare = ${ratio.toFixed(2)} (target >= ${TARGET})`);
  if (cpuProfDir) console.log(`CPU profiles of the registry process (main thread and workers) in ${path.resolve(cpuProfDir)}`);

  const problems = [];
  if (reg.non2xx > 0) problems.push(`${reg.non2xx} non-2xx responses`);
  if (reg.errors > 0) problems.push(`${reg.errors} connection errors`);
  if (reg.timeouts > 0) problems.push(`${reg.timeouts} timeouts`);
  if (reg.total === 0) problems.push('no request completed');
  if (problems.length) {
    console.error(`\nregistry run was not clean: ${problems.join(', ')}`);
    if (registryClosed.errors?.length) console.error(`registry log errors (${registryClosed.errors.length}), first: ${registryClosed.errors[0]}`);
    process.exitCode = 1;
  } else if (registryClosed.errors?.length) {
    console.log(`note: the registry logged ${registryClosed.errors.length} error(s); first: ${registryClosed.errors[0]}`);
  }
  for (const b of bares) {
    if (b.non2xx > 0 || b.errors > 0 || b.total === 0) {
      console.error(`${b.label} was not clean: ${b.non2xx} non-2xx, ${b.errors} errors, ${b.total} requests`);
      process.exitCode = 1;
    }
  }
}

await runBench(main, () => dataDir);
