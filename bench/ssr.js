/**
 * SSR benchmark: what server-side rendering costs the registry, measured on the React starter
 * (templates/react) against the same component without `render` ("data only": the loader's
 * JSON, rendered in the browser), in the same run.
 *
 *   npm run bench:ssr                        (builds, then runs this file)
 *   BENCH_DURATION=3 node bench/ssr.js       (seconds per load run; default 3)
 *   BENCH_CONTEXTS=20 node bench/ssr.js      (vm contexts per variant in the memory part; default 20)
 *
 * 1. Throughput. Builds the starter twice with `createBuilder({ plugins: [react(), mikr0()] })`
 *    (NODE_ENV=production): as it is (`render` = react-dom/server's renderToString, bundled into
 *    server.cjs) and with `render` and `hydrate` cut out of a copy of src/index.tsx. Publishes
 *    both to registry-lite in a child process (bench/servers.js), checks the answers (the SSR
 *    payload's `html` holds "Hello, World!", the data-only payload has no `html`), loads each
 *    for 1 s unreported (JIT warm-up), then data → ssr → data → ssr → data with the same
 *    autocannon settings. The ratio is the mean of the ssr runs over the mean of the data
 *    runs. Each run also reports the CPU time the registry's process tree (sandbox processes
 *    included, from /proc) spent per request, which other load on the machine moves less.
 * 2. Memory per loaded version. The renderer is bundled into each version's server.cjs and
 *    runs in that version's own vm context (no host object crosses into the sandbox), instead
 *    of one renderer the registry would share. The price is a React per loaded version. A child
 *    process (--expose-gc, the sandbox process's V8 flags) creates N contexts with the sandbox's
 *    own createComponentContext (dist/runtime/node/sandbox/context.js: the globals and bootstrap
 *    a real sandbox context has), loads server.cjs into each (a unique source per context, as
 *    two versions never share one, so V8's compilation cache does not hide the cost) and runs
 *    one render job in each. Heap + external after GC, per context, for: no code (the context
 *    alone), data only, SSR. One child process per variant. It also times the first job of
 *    each context (compile + module init + loader + render: cold, no V8 code cache) and 50
 *    later jobs in one context (warm).
 *
 * `buildReactStarter` is exported for bench/composition.js.
 *
 * Exit code: 0 whatever the ratios (a measurement, not a test); 1 if something failed.
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { distDir, fail, printTable, quantile, runBench, startRegistry, stopServer, treeCpuMs, waitFor, withProductionEnv } from './harness.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const TEMPLATE = path.join(repo, 'templates', 'react');
/** Packages the starter imports, linked from this checkout's node_modules. */
const LINKED_PACKAGES = ['react', 'react-dom', 'scheduler', '@vitejs/plugin-react'];

const ROUTE_QUERY = '?name=World';
const GREETING = 'Hello, World!';
const WARMUP_REQUESTS = 200;
/** Seconds of unreported load on each variant before the measured runs. */
const WARMUP_LOAD_S = 1;
const CONNECTIONS = 50;
const PIPELINING = 1;
const WARM_JOBS = 50;
/** The sandbox's defaults (registry-lite options memoryLimitMb and cacheSize). */
const SANDBOX_MEMORY_MB = 256;
const SANDBOX_CACHE_SIZE = 200;

// ---------------------------------------------------------------------------------------
// Building the starter

/** Cuts the method `name(...) { ... },` (and the comment lines right above it) out of `source`. */
function removeMethod(source, name) {
  const match = new RegExp(`^[ \\t]*${name}\\s*\\([^)]*\\)\\s*\\{`, 'm').exec(source);
  if (!match) fail(`templates/react/src/index.tsx: found no \`${name}(...) {\` method to remove for the data-only variant`);
  let end = match.index + match[0].length;
  for (let depth = 1; depth > 0; end++) {
    if (end >= source.length) fail(`templates/react/src/index.tsx: the braces of \`${name}\` do not close`);
    if (source[end] === '{') depth++;
    else if (source[end] === '}') depth--;
  }
  if (source[end] === ',') end++;
  if (source[end] === '\n') end++;
  let start = match.index;
  // The comment lines that describe the method go with it.
  for (;;) {
    const previous = source.lastIndexOf('\n', start - 2) + 1;
    if (start === 0 || !/^\s*\/\//.test(source.slice(previous, start))) break;
    start = previous;
  }
  return source.slice(0, start) + source.slice(end);
}

/** The starter's entry without `render` and `hydrate`, and without the imports only they used. */
export function dataOnlyEntry(source) {
  let out = removeMethod(removeMethod(source, 'render'), 'hydrate');
  out = out.replace(/^import[^;]*from\s*['"]react-dom\/server['"];?[ \t]*\n/m, '');
  out = out.replace(/\bhydrateRoot\s*,\s*/, '').replace(/,\s*hydrateRoot\b/, '');
  for (const identifier of ['renderToString', 'hydrateRoot']) {
    const left = out.split('\n').filter((line) => !/^\s*(\/\/|\*|\/\*)/.test(line) && new RegExp(`\\b${identifier}\\b`).test(line));
    if (left.length) fail(`the data-only entry still uses ${identifier} after the removal:\n${left.join('\n')}`);
  }
  return out;
}

/**
 * Builds templates/react in `dir` (a new folder) as `name`@1.0.0, `ssr` as it is or `data`
 * (no `render`, no `hydrate`). Returns the bundle folder (dist/). The project's node_modules
 * links `vite-plugin-mikr0` to this checkout and the starter's packages to its node_modules.
 */
export async function buildReactStarter(dir, { name, variant }) {
  const entryFile = path.join(TEMPLATE, 'src', 'index.tsx');
  const entry = await fs.readFile(entryFile, 'utf8');
  if (!/\brenderToString\b/.test(entry) || !/\bhydrateRoot\b/.test(entry)) {
    fail('templates/react/src/index.tsx has no render (renderToString) and hydrate (hydrateRoot): the starter does not render on the server');
  }
  await fs.mkdir(dir, { recursive: true });
  await fs.cp(path.join(TEMPLATE, 'src'), path.join(dir, 'src'), { recursive: true });
  if (variant === 'data') await fs.writeFile(path.join(dir, 'src', 'index.tsx'), dataOnlyEntry(entry));
  else if (variant !== 'ssr') fail(`unknown variant ${variant}`);
  // What `mikr0 init` writes in place of __COMPONENT_NAME__ and __MIKR0_VERSION__.
  const pkg = JSON.parse(await fs.readFile(path.join(TEMPLATE, 'package.json'), 'utf8'));
  const ownVersion = JSON.parse(await fs.readFile(path.join(repo, 'package.json'), 'utf8')).version;
  pkg.name = name;
  pkg.version = '1.0.0';
  pkg.devDependencies['vite-plugin-mikr0'] = `^${ownVersion}`;
  await fs.writeFile(path.join(dir, 'package.json'), JSON.stringify(pkg, null, 2));

  const modules = path.join(dir, 'node_modules');
  await fs.mkdir(path.join(modules, '@vitejs'), { recursive: true });
  await fs.symlink(repo, path.join(modules, 'vite-plugin-mikr0'), 'dir');
  for (const pkgName of LINKED_PACKAGES) {
    const target = path.join(repo, 'node_modules', pkgName);
    await fs.access(target).catch(() => fail(`${target} is missing: run npm install`));
    await fs.symlink(target, path.join(modules, pkgName), 'dir');
  }

  const pluginEntry = path.join(repo, 'dist', 'plugin', 'index.js');
  await fs.access(pluginEntry).catch(() => fail('dist/plugin/index.js is missing: run `npm run build` first'));
  const [{ createBuilder }, { default: react }, { default: mikr0 }] = await Promise.all([
    import('vite'),
    import('@vitejs/plugin-react'),
    import(pathToFileURL(pluginEntry).href),
  ]);
  // The starter's vite.config.ts, inline: plugins [react(), mikr0()].
  await withProductionEnv(async () => {
    const builder = await createBuilder({ root: dir, configFile: false, logLevel: 'silent', plugins: [react(), mikr0()] });
    await builder.buildApp();
  }).catch((error) => fail(`vite build of the React starter (${variant}) failed: ${error?.stack ?? error}`));

  const dist = path.join(dir, 'dist');
  const manifest = JSON.parse(await fs.readFile(path.join(dist, 'package.json'), 'utf8').catch(() => fail(`the ${variant} build wrote no dist/package.json`)));
  const server = await fs.readFile(path.join(dist, manifest.mikr0?.files?.server ?? 'server.cjs'), 'utf8').catch(() => fail(`the ${variant} build wrote no server.cjs`));
  // react-dom/server's export survives minification as a property name: in the SSR bundle only.
  const hasRenderer = server.includes('renderToString');
  if (variant === 'ssr' && !hasRenderer) fail('the SSR server.cjs does not contain react-dom/server (no renderToString)');
  if (variant === 'data' && hasRenderer) fail('the data-only server.cjs still contains react-dom/server (renderToString): the removal did not take');
  return dist;
}

/** Packs a bundle folder with the build's own packer and publishes it. */
export async function publishDist(registryUrl, token, name, version, dist) {
  const { collectFiles, packTarGz } = await import(pathToFileURL(path.join(distDir, 'bundle', 'pack.js')).href);
  const res = await fetch(`${registryUrl}/r/publish/${name}/${version}`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/gzip' },
    body: await packTarGz(await collectFiles(dist)),
  });
  if (res.status !== 201) fail(`publishing ${name}@${version} failed: HTTP ${res.status} ${await res.text()}`);
}

// ---------------------------------------------------------------------------------------
// Part 1: throughput

async function warm(label, url, check) {
  let last;
  for (let i = 0; i < WARMUP_REQUESTS; i++) {
    const res = await fetch(url);
    const body = await res.text();
    if (res.status !== 200) fail(`${label}: warm-up request #${i + 1} answered HTTP ${res.status}: ${body.slice(0, 300)}`);
    let payload;
    try {
      payload = JSON.parse(body);
    } catch {
      fail(`${label}: warm-up request #${i + 1} did not answer JSON: ${body.slice(0, 300)}`);
    }
    check(payload, body);
    last = body;
  }
  return last;
}

/** One autocannon run; also the CPU time the registry's process tree (sandboxes included) spent per request. */
async function runLoad(label, url, registryPid, seconds = duration) {
  const { default: autocannon } = await import('autocannon');
  process.stderr.write(`  ${label}: ${seconds} s of load…\n`);
  const cpuBefore = treeCpuMs(registryPid);
  const result = await autocannon({ url, connections: CONNECTIONS, pipelining: PIPELINING, duration: seconds });
  const cpuAfter = treeCpuMs(registryPid);
  return {
    cpuPerRequestUs: cpuBefore === undefined || cpuAfter === undefined || !result.requests.total ? NaN : ((cpuAfter - cpuBefore) * 1000) / result.requests.total,
    label,
    reqPerSec: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

async function throughput(registryUrl, registryPid) {
  const dataUrl = `${registryUrl}/r/component/starter-data/1.0.0${ROUTE_QUERY}`;
  const ssrUrl = `${registryUrl}/r/component/starter-ssr/1.0.0${ROUTE_QUERY}`;
  const dataBody = await warm('data only', dataUrl, (payload, body) => {
    if (payload.data?.greeting !== GREETING) fail(`data only: expected data.greeting "${GREETING}", got ${body.slice(0, 300)}`);
    if ('html' in payload) fail(`data only: the payload has html, it should not: ${body.slice(0, 300)}`);
  });
  const ssrBody = await warm('ssr', ssrUrl, (payload, body) => {
    if (payload.data?.greeting !== GREETING) fail(`ssr: expected data.greeting "${GREETING}", got ${body.slice(0, 300)}`);
    if (typeof payload.html !== 'string' || !payload.html.includes(GREETING)) fail(`ssr: the payload's html does not contain "${GREETING}": ${body.slice(0, 400)}`);
  });
  const html = JSON.parse(ssrBody).html;
  console.log(`response bodies: data only ${Buffer.byteLength(dataBody)} bytes, ssr ${Buffer.byteLength(ssrBody)} bytes (html ${html.length} chars: ${html.slice(0, 90)}…)`);
  console.log('');
  // Unreported load on each first, so that the first measured run does not pay for JIT warm-up.
  await runLoad('warm-up data only', dataUrl, registryPid, WARMUP_LOAD_S);
  await runLoad('warm-up ssr', ssrUrl, registryPid, WARMUP_LOAD_S);

  const runs = [];
  const data = [];
  const ssr = [];
  for (const [i, kind] of ['data', 'ssr', 'data', 'ssr', 'data'].entries()) {
    const run = await runLoad(`${kind === 'ssr' ? 'ssr (render)' : 'data only'} (${Math.floor(i / 2) + 1})`, kind === 'ssr' ? ssrUrl : dataUrl, registryPid);
    runs.push(run);
    (kind === 'ssr' ? ssr : data).push(run);
  }
  printTable(
    ['run', 'req/s (avg)', 'p50 (ms)', 'p99 (ms)', 'requests', 'non-2xx', 'errors', 'registry CPU µs/req'],
    runs.map((r) => [r.label, r.reqPerSec.toFixed(0), String(r.p50), String(r.p99), String(r.total), String(r.non2xx), String(r.errors), r.cpuPerRequestUs.toFixed(0)]),
  );
  const mean = (list, key = 'reqPerSec') => list.reduce((sum, r) => sum + r[key], 0) / list.length;
  console.log('');
  console.log(`data only (mean of ${data.length}) = ${mean(data).toFixed(0)} req/s; ssr (mean of ${ssr.length}) = ${mean(ssr).toFixed(0)} req/s`);
  console.log(`ratio ssr/data = ${(mean(ssr) / mean(data)).toFixed(2)}`);
  const cpuData = mean(data, 'cpuPerRequestUs');
  const cpuSsr = mean(ssr, 'cpuPerRequestUs');
  if (Number.isFinite(cpuData) && Number.isFinite(cpuSsr)) {
    // CPU time per request is less sensitive than req/s to other work on the machine.
    console.log(`registry CPU per request (process tree, sandboxes included): data only ${cpuData.toFixed(0)} µs, ssr ${cpuSsr.toFixed(0)} µs; ratio ssr/data ${(cpuSsr / cpuData).toFixed(2)} (+${(cpuSsr - cpuData).toFixed(0)} µs per render)`);
  }
  const dirty = runs.filter((r) => r.non2xx > 0 || r.errors > 0 || r.total === 0);
  if (dirty.length) fail(`runs not clean: ${dirty.map((r) => `${r.label}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.total} requests`).join('; ')}`);
}

// ---------------------------------------------------------------------------------------
// Part 2: memory per loaded version, cold and warm render (child process)

/** Runs in the child: N contexts of one variant; sends the measurements over IPC. */
async function heapChild(variant, file, count) {
  const { createComponentContext } = await import(pathToFileURL(path.join(distDir, 'runtime', 'node', 'sandbox', 'context.js')).href);
  const code = variant === 'empty' ? undefined : readFileSync(file, 'utf8');
  const args = JSON.stringify({ parameters: { name: 'World', count: 1, tone: 'friendly' }, headers: {} });
  const pending = new Map();
  const logs = [];
  const refuse = () => Promise.reject(new Error('not available in the benchmark'));
  const newContext = () =>
    createComponentContext({
      timeout: 'signal',
      maxResultBytes: 10 * 1024 * 1024,
      pluginNames: [],
      require: (specifier) => {
        throw new Error(`require(${specifier}) is not available in the benchmark`);
      },
      fetch: refuse,
      plugin: refuse,
      log: (level, text) => logs.push(`${level}: ${text}`),
      done: (job, info, data, html) => pending.get(job)?.({ info, data, html }),
      entered() {},
      broken: (reason, job, error) => pending.get(job)?.({ info: `broken (${reason}): ${error?.message ?? error}` }),
    });
  let nextJob = 1;
  const job = (context) =>
    new Promise((resolve) => {
      const id = nextJob++;
      pending.set(id, (result) => {
        pending.delete(id);
        context.end(id);
        resolve(result);
      });
      context.run(id, 'loader', '', args);
    }).then((result) => {
      if (result.info !== '') throw new Error(`render job failed: ${result.info}`);
      if (variant === 'ssr' && !result.html?.includes(GREETING)) throw new Error(`the render job's html has no "${GREETING}": ${result.html}`);
      if (variant === 'data' && result.html !== undefined) throw new Error('the data-only render job answered html');
      return result;
    });
  const used = () => {
    globalThis.gc();
    globalThis.gc();
    const usage = process.memoryUsage();
    return usage.heapUsed + usage.external;
  };

  const before = used();
  const contexts = [];
  const create = [];
  const cold = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const context = newContext();
    const t1 = performance.now();
    create.push(t1 - t0);
    if (code !== undefined) {
      // A source of its own per context: two versions never share one, so V8's compilation cache must not either.
      context.load(`starter@1.0.${i}`, `${code}\n//# bench context ${i}\n`);
      await job(context);
      cold.push(performance.now() - t1);
    }
    contexts.push(context);
  }
  const after = used();
  const warmTimes = [];
  if (code !== undefined) {
    for (let i = 0; i < WARM_JOBS; i++) {
      const t0 = performance.now();
      await job(contexts.at(-1));
      warmTimes.push(performance.now() - t0);
    }
  }
  process.send({ type: 'heap', bytesPerContext: (after - before) / count, create, cold, warm: warmTimes, logs }, () => process.exit(0));
  // Keeps the contexts alive until the measurement is sent.
  return contexts;
}

function runHeapChild(variant, file, count) {
  // The V8 flags of a sandbox process (runtime/node/sandbox/spawn.ts) that change how code is compiled and run, plus gc().
  const execArgv = ['--expose-gc', '--disallow-code-generation-from-strings', '--trace-sigint', '--experimental-vm-modules', '--disable-warning=ExperimentalWarning'];
  const child = fork(fileURLToPath(import.meta.url), ['--heap-child', variant, file ?? '', String(count)], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    let result;
    const timer = setTimeout(() => {
      process.kill(child.pid, 'SIGKILL');
      reject(new Error(`the ${variant} memory child did not finish within 120 s`));
    }, 120_000);
    child.on('message', (message) => {
      if (message?.type === 'heap') result = message;
      else if (message?.type === 'failed') reject(new Error(`the ${variant} memory child failed: ${message.message}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (result) resolve(result);
      else reject(new Error(`the ${variant} memory child exited (code ${code}, signal ${signal}) without a result`));
    });
  });
}

const MB = (bytes) => (bytes / 1024 / 1024).toFixed(2);
const kB = (bytes) => `${(bytes / 1024).toFixed(1)} kB`;
const ms = (value) => value.toFixed(2);

async function memory(dists) {
  const results = {};
  for (const variant of ['empty', 'data', 'ssr']) {
    const file = variant === 'empty' ? undefined : path.join(dists[variant], 'server.cjs');
    results[variant] = await runHeapChild(variant, file, contexts).catch((error) => fail(error.message));
    if (results[variant].logs.length) console.log(`  ${variant}: the server code logged: ${results[variant].logs.slice(0, 3).join(' | ')}`);
  }
  const sizes = {};
  for (const variant of ['data', 'ssr']) {
    const bytes = await fs.readFile(path.join(dists[variant], 'server.cjs'));
    sizes[variant] = { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  }
  const { empty, data, ssr } = results;
  console.log(`memory per loaded version: ${contexts} sandbox contexts per variant (createComponentContext from ${path.relative(repo, distDir) || '.'}), one render job each, heap + external after gc()`);
  console.log('');
  printTable(
    ['variant', 'server.cjs', 'gzip', 'MB/context', 'create (ms, p50)', 'first job, cold (ms, p50)', 'cold, context #1 (ms)', 'warm job (ms, p50)'],
    [
      ['context alone (no code)', '-', '-', MB(empty.bytesPerContext), ms(quantile(empty.create, 0.5)), '-', '-', '-'],
      ...['data', 'ssr'].map((v) => [
        v === 'ssr' ? 'ssr (React + react-dom/server)' : 'data only',
        kB(sizes[v].raw),
        kB(sizes[v].gzip),
        MB(results[v].bytesPerContext),
        ms(quantile(results[v].create, 0.5)),
        ms(quantile(results[v].cold, 0.5)),
        ms(results[v].cold[0]),
        ms(quantile(results[v].warm, 0.5)),
      ]),
    ],
  );
  const extra = ssr.bytesPerContext - data.bytesPerContext;
  console.log('');
  console.log(`bundling the renderer costs ${MB(extra)} MB per loaded version (ssr − data only; ssr/data ${(ssr.bytesPerContext / data.bytesPerContext).toFixed(2)}), server.cjs +${kB(sizes.ssr.raw - sizes.data.raw)} (+${kB(sizes.ssr.gzip - sizes.data.gzip)} gzip)`);
  console.log(
    `cold first job ssr/data ${(quantile(ssr.cold, 0.5) / quantile(data.cold, 0.5)).toFixed(2)}, warm job ssr/data ${(quantile(ssr.warm, 0.5) / quantile(data.warm, 0.5)).toFixed(2)}; ` +
      `ssr cold/warm ${(quantile(ssr.cold, 0.5) / quantile(ssr.warm, 0.5)).toFixed(1)}`,
  );
  // The sandbox keeps compiled versions while they fill half its memory limit (process.ts, CACHE_MEMORY_SHARE).
  const cached = (bytes) => Math.min(SANDBOX_CACHE_SIZE, Math.floor((SANDBOX_MEMORY_MB * 1024 * 1024) / 2 / bytes));
  console.log(
    `a sandbox process (default memoryLimitMb ${SANDBOX_MEMORY_MB}, cacheSize ${SANDBOX_CACHE_SIZE}) keeps about ${cached(ssr.bytesPerContext)} SSR versions ` +
      `or ${cached(data.bytesPerContext)} data-only versions compiled (half its memory limit, or cacheSize; contexts only, nothing else counted)`,
  );
}

// ---------------------------------------------------------------------------------------

const duration = Number(process.env.BENCH_DURATION || 3);
const contexts = Number(process.env.BENCH_CONTEXTS || 20);
let tempDir;

async function main() {
  if (!Number.isFinite(duration) || duration <= 0) fail(`BENCH_DURATION must be a positive number of seconds, got "${process.env.BENCH_DURATION}"`);
  if (!Number.isInteger(contexts) || contexts < 1) fail(`BENCH_CONTEXTS must be a positive integer, got "${process.env.BENCH_CONTEXTS}"`);
  console.log(`mikr0 SSR benchmark: Node ${process.version}, os.availableParallelism() = ${os.availableParallelism()}`);
  tempDir = await fs.mkdtemp(path.join(os.tmpdir(), 'mikr0-bench-ssr-'));

  process.stderr.write('building the React starter: ssr, then data only…\n');
  const dists = {
    ssr: await buildReactStarter(path.join(tempDir, 'ssr'), { name: 'starter-ssr', variant: 'ssr' }),
    data: await buildReactStarter(path.join(tempDir, 'data'), { name: 'starter-data', variant: 'data' }),
  };

  const registry = startRegistry('registry', path.join(tempDir, 'registry'));
  const { url, token } = await waitFor(registry, 'ready');
  await publishDist(url, token, 'starter-ssr', '1.0.0', dists.ssr);
  await publishDist(url, token, 'starter-data', '1.0.0', dists.data);
  console.log(`autocannon: ${CONNECTIONS} connections, pipelining ${PIPELINING}, ${duration} s per run, GET /r/component/starter-{data,ssr}/1.0.0${ROUTE_QUERY}`);
  await throughput(url, registry.child.pid);
  const closed = await stopServer(registry);
  if (closed.errors.length) fail(`the registry logged ${closed.errors.length} error(s); first: ${closed.errors[0]}`);

  console.log('');
  await memory(dists);
}

const isEntry = process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url;
if (isEntry && process.argv[2] === '--heap-child') {
  // The benchmark went away (Ctrl-C): do not outlive it.
  process.on('disconnect', () => process.exit(0));
  const [variant, file, count] = process.argv.slice(3);
  await heapChild(variant, file || undefined, Number(count)).catch((error) => {
    process.send({ type: 'failed', message: String(error?.stack ?? error) }, () => process.exit(1));
  });
} else if (isEntry) {
  await runBench(main, () => tempDir);
}
