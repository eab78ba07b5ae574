/**
 * The servers the benchmarks measure, each run in a child process of its own:
 *
 *   node bench/servers.js registry <dataDir>   registry-lite from ../dist (see below), on 127.0.0.1:0
 *   node bench/servers.js bare                 a bare node:http server, on 127.0.0.1:0
 *
 * Environment (registry mode):
 * - BENCH_REGISTRY_DIST: the build to run (a `dist/` folder; default ../dist), e.g. the build
 *   of an older commit for a before/after comparison.
 * - BENCH_REGISTRY_OPTIONS: JSON merged into the createRegistry() options (`timeout`,
 *   `processes`/`workers`, …); default none, so the registry runs with its defaults.
 *
 * Only meant to be forked by the benchmarks (render.js, noisy-neighbour.js, cold-start.js;
 * it talks over the IPC channel):
 * - registry: sends { type: 'ready', url, token } once it listens; a registry started on a
 *   data folder that already holds components serves them (cold-start.js restarts it so).
 * - bare: waits for { type: 'body', body, contentType }, then sends { type: 'ready', url }
 *   and answers every request with exactly that body.
 * - both: on { type: 'close' } (or when the parent goes away) stop the server, send
 *   { type: 'closed', errors, warnings } and exit.
 */
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const [mode, dataDir] = process.argv.slice(2);
if (!process.send) {
  console.error('bench/servers.js is started by bench/render.js (it needs an IPC channel); run `npm run bench`');
  process.exit(2);
}

/** Lines the registry logged as errors and warnings: the benchmark stays quiet but reports them. */
const errors = [];
const warnings = [];
let close = async () => {};
let closing = false;

async function shutdown() {
  if (closing) return;
  closing = true;
  try {
    await close();
  } catch (error) {
    errors.push(`close failed: ${error?.stack ?? error}`);
  }
  if (process.connected) process.send({ type: 'closed', errors, warnings }, () => process.disconnect());
  // Whatever is left (a worker that does not stop) must not keep this process alive.
  setTimeout(() => process.exit(0), 2000).unref();
}

process.on('message', (message) => {
  if (message?.type === 'close') void shutdown();
});
// The parent died or hung up: do not outlive it.
process.on('disconnect', () => void shutdown());

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`));
  });
}

async function startRegistry() {
  if (!dataDir) throw new Error('registry mode needs a data folder argument');
  const here = path.dirname(fileURLToPath(import.meta.url));
  const dist = path.resolve(process.env.BENCH_REGISTRY_DIST || path.join(here, '../dist'));
  const { createRegistry } = await import(pathToFileURL(path.join(dist, 'registry-lite/index.js')).href);
  const extra = process.env.BENCH_REGISTRY_OPTIONS ? JSON.parse(process.env.BENCH_REGISTRY_OPTIONS) : {};
  const logger = {
    info() {},
    warn(message) {
      warnings.push(String(message));
    },
    error(message) {
      errors.push(String(message));
    },
  };
  // Sandbox parallelism left to its default unless BENCH_REGISTRY_OPTIONS sets it: what a user gets.
  const registry = createRegistry({ ...extra, dataDir, logger });
  const { url } = await registry.listen(0, '127.0.0.1');
  close = () => registry.close();
  const { token } = await registry.tokens.create(['publish'], 'bench');
  process.send({ type: 'ready', url, token });
}

async function startBare() {
  const { body, contentType } = await new Promise((resolve) => {
    const onMessage = (message) => {
      if (message?.type !== 'body') return;
      process.off('message', onMessage);
      resolve(message);
    };
    process.on('message', onMessage);
  });
  const bytes = Buffer.from(body, 'utf8');
  const length = String(bytes.length);
  const server = http.createServer((req, res) => {
    // Same status, content-type and byte length as the registry's render response.
    res.statusCode = 200;
    res.setHeader('Content-Type', contentType);
    res.setHeader('Content-Length', length);
    res.end(bytes);
  });
  // Same keep-alive setting as registry-lite's listen().
  server.keepAliveTimeout = 65_000;
  const url = await listen(server);
  close = () =>
    new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  process.send({ type: 'ready', url });
}

try {
  if (mode === 'registry') await startRegistry();
  else if (mode === 'bare') await startBare();
  else throw new Error(`unknown mode "${mode}" (use "registry <dataDir>" or "bare")`);
} catch (error) {
  process.send({ type: 'failed', message: String(error?.stack ?? error) }, () => process.exit(1));
}
