/**
 * Build benchmark: how much longer `vite build` of a React component takes with mikr0() than
 * the plain Vite library build a team had before adding it, and the size of what mikr0 writes.
 *
 *   node bench/build.js               (8 rounds; run `npm run build` first if dist/ is missing)
 *   node bench/build.js --rounds 4
 *
 * The fixture is the React project of test/plugin/build.test.ts (JSX, a CSS module, an
 * imported 6000-byte image, a loader), written to a temp folder whose node_modules links
 * `vite-plugin-mikr0` to this checkout and react, react-dom, scheduler to its node_modules.
 *
 * - plain:  `build()` in library mode, @vitejs/plugin-react, entry src/index.tsx, ES output,
 *           nothing external, process.env.NODE_ENV defined as "production" (library mode does
 *           not replace it, and React would be bundled twice): one client build, into dist-plain/.
 * - mikr0:  `createBuilder({ plugins: [react(), mikr0()] })` then `builder.buildApp()`:
 *           client build (template.js) + server build (server.cjs) + dist/package.json.
 *
 * Both run in this process, one after the other, with NODE_ENV=production: one warm-up of
 * each, then N rounds alternating plain → mikr0. The headline figure is the ratio of the
 * medians (mikr0/plain), measured against a baseline from the same run, so machine noise
 * and drift fall on both sides. The mikr0 rounds are also split into phases (createBuilder,
 * client build, server build, the rest: package.json with sizes and integrity) by timing
 * each `builder.build(environment)` call.
 *
 * Exit code: 0 whatever the ratio (a measurement, not a test); 1 if something failed.
 */
import { rmSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { withProductionEnv } from './harness.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const pluginEntry = path.join(repo, 'dist', 'plugin', 'index.js');

class BenchError extends Error {}
function fail(message) {
  throw new BenchError(message);
}

function parseRounds(argv) {
  const i = argv.indexOf('--rounds');
  if (i === -1) return 8;
  const n = Number(argv[i + 1]);
  if (!Number.isInteger(n) || n < 1) fail(`--rounds needs a positive integer, got ${JSON.stringify(argv[i + 1])}`);
  return n;
}

// The React fixture of the plugin's build test: JSX, a CSS module, a 6 kB image, a loader.
const FIXTURE = path.join(repo, 'test', 'plugin', 'fixtures', 'react-card');
const LINKED_PACKAGES = ['react', 'react-dom', 'scheduler'];

async function writeProject(dir) {
  await fs.cp(FIXTURE, dir, { recursive: true });
  const modules = path.join(dir, 'node_modules');
  await fs.mkdir(modules, { recursive: true });
  await fs.symlink(repo, path.join(modules, 'vite-plugin-mikr0'), 'dir');
  for (const name of LINKED_PACKAGES) {
    const target = path.join(repo, 'node_modules', name);
    await fs.access(target).catch(() => fail(`${target} is missing: run npm install`));
    await fs.symlink(target, path.join(modules, name), 'dir');
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const kB = (n) => `${(n / 1024).toFixed(2)} kB`;

async function main() {
  const rounds = parseRounds(process.argv.slice(2));
  await fs.access(pluginEntry).catch(() => fail(`${path.relative(repo, pluginEntry)} is missing: run \`npm run build\` first`));
  const [{ build, createBuilder }, { default: react }, { default: mikr0 }] = await Promise.all([
    import('vite'),
    import('@vitejs/plugin-react'),
    import(pluginEntry),
  ]);

  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mikr0-bench-build-'));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  process.once('SIGINT', () => {
    cleanup();
    process.exit(130);
  });

  try {
    await writeProject(dir);

    const plainBuild = () =>
      withProductionEnv(() =>
        build({
          root: dir,
          configFile: false,
          logLevel: 'silent',
          plugins: [react()],
          // Library mode leaves process.env.NODE_ENV alone (Vite's define plugin skips it), so
          // without this React's development and production builds would both be bundled:
          // 4x the code of template.js, and a baseline slower than the mikr0 build itself.
          define: { 'process.env.NODE_ENV': JSON.stringify('production') },
          build: {
            lib: { entry: 'src/index.tsx', formats: ['es'], fileName: 'index' },
            outDir: 'dist-plain',
            rolldownOptions: { external: [] },
          },
        }),
      );

    /** Returns the phases of one mikr0 build, in ms. */
    const mikr0Build = () =>
      withProductionEnv(async () => {
        const t0 = performance.now();
        const builder = await createBuilder({ root: dir, configFile: false, logLevel: 'silent', plugins: [react(), mikr0()] });
        const t1 = performance.now();
        const envTimes = {};
        const original = builder.build.bind(builder);
        builder.build = async (environment) => {
          const start = performance.now();
          try {
            return await original(environment);
          } finally {
            envTimes[environment.name] = (envTimes[environment.name] ?? 0) + performance.now() - start;
          }
        };
        await builder.buildApp();
        const t2 = performance.now();
        const client = envTimes.client ?? NaN;
        const server = envTimes.server ?? NaN;
        return { total: t2 - t0, setup: t1 - t0, client, server, rest: t2 - t1 - (client || 0) - (server || 0) };
      });

    const timePlain = async () => {
      const start = performance.now();
      await plainBuild();
      return performance.now() - start;
    };

    // Warm-up: module loading, JIT, file-system caches; also checks both builds work.
    process.stderr.write(`warm-up, then ${rounds} rounds (plain → mikr0) in ${dir}\n`);
    await timePlain().catch((err) => fail(`plain vite build failed: ${err?.stack ?? err}`));
    await mikr0Build().catch((err) => fail(`vite build with mikr0() failed: ${err?.stack ?? err}`));
    await checkOutputs(dir);

    const plain = [];
    const withMikr0 = [];
    for (let round = 1; round <= rounds; round++) {
      plain.push(await timePlain());
      withMikr0.push(await mikr0Build());
      const m = withMikr0.at(-1);
      process.stderr.write(`  round ${round}/${rounds}: plain ${plain.at(-1).toFixed(0)} ms · mikr0 ${m.total.toFixed(0)} ms\n`);
    }

    const plainMs = median(plain);
    const mikr0Ms = median(withMikr0.map((m) => m.total));
    const phase = (key) => median(withMikr0.map((m) => m[key]));
    console.log(
      `build (React fixture, ${rounds} rounds, median): plain vite ${plainMs.toFixed(0)} ms · with mikr0() ${mikr0Ms.toFixed(0)} ms · ratio ${(mikr0Ms / plainMs).toFixed(2)}`,
    );
    console.log(
      `  mikr0() phases (median): createBuilder ${phase('setup').toFixed(0)} ms · client build ${phase('client').toFixed(0)} ms · ` +
        `server build ${phase('server').toFixed(0)} ms · package.json & rest ${phase('rest').toFixed(0)} ms`,
    );

    await printSizes(dir);
  } finally {
    cleanup();
  }
}

/** The build wrote what it should; the bench measures nothing useful otherwise. */
async function checkOutputs(dir) {
  const pkgFile = path.join(dir, 'dist', 'package.json');
  const pkg = JSON.parse(await fs.readFile(pkgFile, 'utf8').catch(() => fail('mikr0 build wrote no dist/package.json')));
  const sizes = pkg.mikr0?.sizes;
  if (!sizes || !sizes['template.js'] || !sizes['server.cjs']) fail(`dist/package.json has no mikr0.sizes for template.js and server.cjs: ${JSON.stringify(sizes)}`);
  const plainFiles = await fs.readdir(path.join(dir, 'dist-plain')).catch(() => fail('plain build wrote no dist-plain/'));
  if (!plainFiles.some((f) => f.endsWith('.js'))) fail(`plain build wrote no .js file: ${plainFiles.join(', ')}`);
}

async function printSizes(dir) {
  const pkg = JSON.parse(await fs.readFile(path.join(dir, 'dist', 'package.json'), 'utf8'));
  const rows = Object.entries(pkg.mikr0.sizes).map(([file, s]) => ({ file: `dist/${file}`, raw: s.raw, gzip: s.gzip }));
  rows.sort((a, b) => rank(a.file) - rank(b.file) || a.file.localeCompare(b.file));
  const pkgSize = (await fs.stat(path.join(dir, 'dist', 'package.json'))).size;

  const plainRows = [];
  for (const file of (await fs.readdir(path.join(dir, 'dist-plain'), { recursive: true })).sort()) {
    const full = path.join(dir, 'dist-plain', file);
    if (!(await fs.stat(full)).isFile()) continue;
    const data = await fs.readFile(full);
    plainRows.push({ file: `dist-plain/${file}`, raw: data.length, gzip: gzipSync(data, { level: 9 }).length });
  }

  const width = Math.max(...[...rows, ...plainRows].map((r) => r.file.length), 'file'.length) + 2;
  const line = (r, mark = '  ') => `${mark}${r.file.padEnd(width)}${kB(r.raw).padStart(11)}${kB(r.gzip).padStart(11)}`;
  console.log('');
  console.log(`  ${'mikr0() bundle (dist/package.json mikr0.sizes)'.padEnd(width)}${'raw'.padStart(11)}${'gzip'.padStart(11)}`);
  for (const r of rows) console.log(line(r, r.file === 'dist/template.js' || r.file === 'dist/server.cjs' ? '▸ ' : '  '));
  const total = rows.reduce((acc, r) => ({ raw: acc.raw + r.raw, gzip: acc.gzip + r.gzip }), { raw: 0, gzip: 0 });
  console.log(line({ file: `total (${rows.length} files)`, ...total }));
  console.log(`  ${'dist/package.json'.padEnd(width)}${kB(pkgSize).padStart(11)}${'(manifest)'.padStart(11)}`);
  console.log('');
  console.log(`  ${'plain vite lib build, for comparison'.padEnd(width)}${'raw'.padStart(11)}${'gzip'.padStart(11)}`);
  for (const r of plainRows) console.log(line(r));
}

function rank(file) {
  if (file === 'dist/template.js') return 0;
  if (file === 'dist/server.cjs') return 1;
  return 2;
}

try {
  await main();
} catch (err) {
  if (err instanceof BenchError) console.error(`bench/build.js: ${err.message}`);
  else console.error('bench/build.js failed:', err);
  process.exitCode = 1;
}
