/**
 * Plumbing shared by bench/render.js, bench/noisy-neighbour.js and bench/cold-start.js: registry-lite in a
 * child process (bench/servers.js, as render.js starts it), bundles published over HTTP,
 * the CPU time of the registry's process tree, and result tables.
 *
 * BENCH_REGISTRY_DIST picks the build the registry runs (default ../dist), so the same
 * benchmark can run against the build of an older commit. Bundles are packed with that
 * build's own `bundle/pack.js` (`cli/pack.js` before it moved) too.
 */
import { fork } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const serversScript = path.join(here, 'servers.js');

/** The build under test, as an absolute path (the child gets it resolved). */
export const distDir = path.resolve(process.env.BENCH_REGISTRY_DIST || path.join(here, '../dist'));

export class BenchError extends Error {}
export function fail(message) {
  throw new BenchError(message);
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `fn` with NODE_ENV=production (Vite builds React's production code then), restoring it after. */
export async function withProductionEnv(fn) {
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    return await fn();
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
}

// ---------------------------------------------------------------------------------------
// Child processes

/** Children started so far, so that every exit path can stop them (by their own PID). */
const children = new Set();

/** Forks `servers.js <args>` (see servers.js for the modes). */
export function startServer(label, args, { env = process.env, execArgv = process.execArgv } = {}) {
  const child = fork(serversScript, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv, env });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const server = { label, child, exited };
  children.add(server);
  exited.then(() => children.delete(server));
  return server;
}

/** Forks `servers.js registry <dataDir>` with `registryOptions` merged into createRegistry()'s. */
export function startRegistry(label, dataDir, registryOptions = {}, execArgv = process.execArgv) {
  const env = { ...process.env, BENCH_REGISTRY_DIST: distDir, BENCH_REGISTRY_OPTIONS: JSON.stringify(registryOptions) };
  return startServer(label, ['registry', dataDir], { env, execArgv });
}

/** Resolves with the first message of `type` from the child; fails if it dies or is slow. */
export function waitFor(server, type, timeoutMs = 30_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new BenchError(`${server.label}: no "${type}" message after ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (message) => {
      if (message?.type === type) done(null, message);
      else if (message?.type === 'failed') done(new BenchError(`${server.label} failed to start:\n${message.message}`));
    };
    const onExit = (code, signal) => done(new BenchError(`${server.label} exited early (code ${code}, signal ${signal})`));
    function done(error, value) {
      clearTimeout(timer);
      server.child.off('message', onMessage);
      server.child.off('exit', onExit);
      if (error) reject(error);
      else resolve(value);
    }
    server.child.on('message', onMessage);
    server.child.once('exit', onExit);
  });
}

/** Asks a child to close cleanly; kills it (by PID) if it does not exit in time. Resolves with its logged errors/warnings. */
export async function stopServer(server) {
  const none = { errors: [], warnings: [] };
  if (server.child.exitCode !== null || server.child.signalCode !== null) return none;
  const closed = waitFor(server, 'closed', 5_000).catch(() => none);
  if (server.child.connected) server.child.send({ type: 'close' });
  const result = await closed;
  const timeout = new Promise((resolve) => setTimeout(() => resolve('timeout'), 5_000).unref());
  if ((await Promise.race([server.exited, timeout])) === 'timeout') {
    process.kill(server.child.pid, 'SIGKILL');
    await server.exited;
  }
  return { errors: result.errors ?? [], warnings: result.warnings ?? [] };
}

export function stopAll() {
  return Promise.all([...children].map(stopServer));
}

/**
 * Ctrl-C: stop the children by PID (they also stop by themselves when the IPC channel
 * closes), remove the temp folder, and leave.
 */
export function onInterrupt(tempDir) {
  process.once('SIGINT', () => {
    for (const server of children) {
      if (server.child.exitCode === null && server.child.signalCode === null) process.kill(server.child.pid, 'SIGTERM');
    }
    const dir = tempDir();
    if (dir) rmSync(dir, { recursive: true, force: true });
    process.exit(130);
  });
}

/**
 * Runs a benchmark's `main`: a BenchError prints its message, anything else its stack, both
 * exit 1; every child is stopped and the temp folder (`tempDir()`) removed on every way out.
 */
export async function runBench(main, tempDir) {
  onInterrupt(tempDir);
  try {
    await main();
  } catch (error) {
    console.error(`\nbench failed: ${error instanceof BenchError ? error.message : (error?.stack ?? error)}`);
    process.exitCode = 1;
  } finally {
    await stopAll();
    const dir = tempDir();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------
// Bundles and HTTP

const encoder = new TextEncoder();
let packTarGz;

/** The build's packer: bundle/pack.js, or cli/pack.js in builds older than bundle/. */
async function loadPackTarGz() {
  const file = ['bundle/pack.js', 'cli/pack.js'].map((f) => path.join(distDir, f)).find((f) => existsSync(f));
  return (await import(pathToFileURL(file).href)).packTarGz;
}

/** A publishable bundle (CONTRACT §4), as test/helpers.ts bundle() builds it. */
export async function bundle(name, version, { serverCode, parameters = {} }) {
  packTarGz ??= await loadPackTarGz();
  const pkg = {
    name,
    version,
    description: `bench component ${name}`,
    mikr0: {
      parameters,
      files: { template: 'template.js', server: 'server.cjs' },
      plugins: [],
      dependencies: [],
    },
  };
  return packTarGz([
    { path: 'package.json', data: encoder.encode(JSON.stringify(pkg)) },
    { path: 'server.cjs', data: encoder.encode(serverCode) },
    { path: 'template.js', data: encoder.encode('export function mount(el, data) { el.textContent = JSON.stringify(data); }') },
  ]);
}

export async function publish(url, token, name, version, options) {
  const res = await fetch(`${url}/r/publish/${name}/${version}`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/gzip' },
    body: await bundle(name, version, options),
  });
  const text = await res.text();
  if (res.status !== 201) fail(`publishing ${name}@${version} failed: HTTP ${res.status} ${text}`);
}

/** One GET, timed from the call until the whole body is read. */
export async function timedGet(url) {
  const start = performance.now();
  const res = await fetch(url);
  const body = await res.text();
  return { status: res.status, body, ms: performance.now() - start };
}

/** A render answer's `data`, or a failure naming the request. */
export function renderData(what, { status, body }) {
  if (status !== 200) fail(`${what} answered HTTP ${status}: ${body.slice(0, 300)}`);
  try {
    return JSON.parse(body).data;
  } catch {
    fail(`${what} did not answer JSON: ${body.slice(0, 300)}`);
  }
}

// ---------------------------------------------------------------------------------------
// CPU of the registry's process tree (Linux /proc; elsewhere `undefined`)

const USER_HZ = 100;

/** CPU milliseconds (user + system) used so far by `pid` and its live descendants (the sandbox processes). */
export function treeCpuMs(pid) {
  let entries;
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  const stats = new Map();
  for (const name of entries) {
    try {
      const text = readFileSync(`/proc/${name}/stat`, 'utf8');
      // Fields after "(comm)": state ppid … utime (14th field) stime (15th).
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
      stats.set(Number(name), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // The process ended meanwhile.
    }
  }
  if (!stats.has(pid)) return undefined;
  let ticks = 0;
  const tree = new Set([pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [child, { ppid }] of stats) {
      if (!tree.has(child) && tree.has(ppid)) tree.add(child), (grew = true);
    }
  }
  for (const p of tree) ticks += stats.get(p).ticks;
  return (ticks * 1000) / USER_HZ;
}

/**
 * Waits until the registry's process tree uses under 10% of a core over half a second, at
 * most `maxMs`. Resolves with { ms: time waited, idle }, or undefined where /proc is missing.
 */
export async function waitIdle(pid, maxMs = 30_000) {
  const start = performance.now();
  let before = treeCpuMs(pid);
  if (before === undefined) return undefined;
  for (;;) {
    const t0 = performance.now();
    await sleep(500);
    const after = treeCpuMs(pid);
    if (after === undefined) return undefined;
    const share = (after - before) / (performance.now() - t0);
    before = after;
    if (share < 0.1) return { ms: performance.now() - start, idle: true };
    if (performance.now() - start > maxMs) return { ms: performance.now() - start, idle: false };
  }
}

// ---------------------------------------------------------------------------------------

/** Prints rows of strings under `header`: first column left-aligned, the rest right-aligned. */
export function printTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const format = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(format(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(format(row));
}

/** The q-quantile (0..1) of numbers, nearest rank. */
export function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
