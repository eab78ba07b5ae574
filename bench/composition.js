/**
 * Composition benchmark: 10 React starters composed on the server (fragments from
 * `renderFragments`, vite-plugin-mikr0/server) against the same 10 as `<mikro-component>`
 * elements the browser runtime renders, in real Chromium, measured in the same run.
 *
 *   npm run bench:composition                  (builds, then runs this file)
 *   BENCH_LOADS=10 node bench/composition.js   (page loads per page; default 10)
 *
 * The starter (templates/react, built by bench/ssr.js's buildReactStarter) is published to
 * registry-lite in a child process (bench/servers.js) twice: as it is (`starter`: `render` on
 * the server, `hydrate` in the browser) and without `render`/`hydrate` (`starter-data`). A
 * node:http server on another origin (127.0.0.1, its own port) serves three pages, each with
 * the same 10 components (`name` = 10 different names) and the runtime from the registry:
 *
 * - composed:     the page server calls renderFragments() (one POST /r/batch) on every page
 *                 request and writes the fragments into the page; the runtime hydrates them
 *                 from their inlined payloads, without a render request.
 * - client (ssr): `<mikro-component name="starter" parameters=...>`; the runtime GETs each
 *                 render payload, which carries the server HTML, shows it and hydrates it.
 * - client (csr): the same with `starter-data`: payloads without HTML, mounted in the browser.
 *
 * Measured in the page, from navigation start, the same way on every page: an inline script
 * first in <head> checks on every requestAnimationFrame whether all 10 greetings are in the
 * DOM (text shown); the time the 10th `mikr0:mounted` fires with all 10 elements
 * state="mounted" (interactive); first-contentful-paint; responseStart (the page server's
 * time, which on the composed page includes the batch render). On the composed page an inline
 * script right after the fragments records whether the greetings were already there before
 * the runtime ran (`<mikro-component>` not defined yet). Each load gets a fresh browser
 * context: empty HTTP cache and module map (cache not disabled, just cold). Pages rotate
 * order each round; one unreported warm-up load each first. Medians of BENCH_LOADS loads.
 *
 * Every load is checked: 10 greetings, 10 mounted (hydrated on the first two pages, mounted on
 * the third), no console error or page error, no failed request, and no request to
 * /r/component/ on the composed page.
 *
 * Exit code: 0 whatever the ratios (a measurement, not a test); 1 if something failed.
 */
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { distDir, fail, printTable, quantile, runBench, startRegistry, stopServer, waitFor } from './harness.js';
import { buildReactStarter, publishDist } from './ssr.js';

const NAMES = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Margaret', 'Ken', 'Frances', 'Niklaus'];
const COUNT = NAMES.length;
const loads = Number(process.env.BENCH_LOADS || 10);
const PAGES = ['composed', 'client-ssr', 'client-csr'];
const LABELS = { composed: 'composed (fragments)', 'client-ssr': 'client, payload html', 'client-csr': 'client, mount (no SSR)' };
const LOAD_TIMEOUT_MS = 30_000;

/** First in <head> on every page: records when the text is shown and when all are mounted. */
function probeScript() {
  return `<script>
(() => {
  const expected = new Set(${JSON.stringify(NAMES.map((n) => `Hello, ${n}!`))});
  const bench = (window.__bench = { textAt: null, reactAt: null, mountedAt: null, runtimeAt: null, fcp: null, hydrated: 0, mounted: 0, errors: [] });
  customElements.whenDefined('mikro-component').then(() => (bench.runtimeAt = performance.now()));
  bench.greetings = () => {
    const found = new Set();
    for (const el of document.querySelectorAll('[data-testid="greeting"]')) if (expected.has(el.textContent)) found.add(el.textContent);
    return found.size;
  };
  // React keeps a node's props on the node (__reactProps$…) once it owns it: hydrated or created.
  const reactOwned = () => {
    let n = 0;
    for (const el of document.querySelectorAll('mikro-component [data-testid="like"]')) if (Object.keys(el).some((key) => key.startsWith('__reactProps$'))) n++;
    return n;
  };
  const frame = () => {
    if (bench.textAt === null && bench.greetings() === expected.size) bench.textAt = performance.now();
    if (bench.reactAt === null && reactOwned() === expected.size) bench.reactAt = performance.now();
    if (bench.textAt === null || bench.reactAt === null) requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  document.addEventListener('mikr0:mounted', (event) => {
    bench.mounted++;
    if (event.detail && event.detail.hydrated === true) bench.hydrated++;
    if (bench.mountedAt === null && document.querySelectorAll('mikro-component[state="mounted"]').length === ${COUNT}) bench.mountedAt = performance.now();
  });
  document.addEventListener('mikr0:error', (event) => bench.errors.push(String(event.detail && event.detail.message)));
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (entry.name === 'first-contentful-paint') bench.fcp = entry.startTime;
  }).observe({ type: 'paint', buffered: true });
})();
</script>`;
}

const AFTER_COMPONENTS = `<script>window.__bench.beforeRuntime = { greetings: window.__bench.greetings(), runtimeDefined: customElements.get('mikro-component') !== undefined };</script>`;

function page(registryUrl, body) {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
${probeScript()}
<link rel="icon" href="data:,">
<title>mikr0 composition bench</title>
<script type="module" src="${registryUrl}/r/client.js"></script>
</head>
<body>
${body}
${AFTER_COMPONENTS}
</body>
</html>`;
}

const escapeAttribute = (text) => text.replace(/&/g, '&amp;').replace(/'/g, '&#39;');
const clientElements = (component) =>
  NAMES.map((name) => `<mikro-component name="${component}" version="1.0.0" parameters='${escapeAttribute(JSON.stringify({ name }))}'></mikro-component>`).join('\n');

/** The page server: the composed page is composed on every request, as a real page server would. */
async function startPageServer(registryUrl, renderFragments) {
  const staticPages = { '/client-ssr': page(registryUrl, clientElements('starter')), '/client-csr': page(registryUrl, clientElements('starter-data')) };
  const problems = [];
  const composeMs = [];
  const server = http.createServer(async (req, res) => {
    try {
      let html = staticPages[req.url];
      if (req.url === '/composed') {
        const started = performance.now();
        const fragments = await renderFragments({
          registry: registryUrl,
          components: NAMES.map((name) => ({ name: 'starter', version: '1.0.0', parameters: { name } })),
          headers: req.headers['accept-language'] ? { 'accept-language': req.headers['accept-language'] } : undefined,
        });
        const failed = fragments.filter((f) => f.status !== 200);
        if (failed.length) problems.push(`renderFragments: ${failed.length} fragment(s) failed, first: ${failed[0].status} ${JSON.stringify(failed[0].error)}`);
        composeMs.push(performance.now() - started);
        html = page(registryUrl, fragments.map((f) => f.html).join('\n'));
      }
      if (html === undefined) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(html);
    } catch (error) {
      problems.push(`page server: ${error?.stack ?? error}`);
      res.writeHead(500).end();
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    problems,
    composeMs,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** One page load in a fresh context; returns its figures after checking it. */
async function loadPage(browser, pageUrl, kind) {
  const context = await browser.newContext({ locale: 'en-US' });
  try {
    const tab = await context.newPage();
    const consoleErrors = [];
    const requests = [];
    const failedRequests = [];
    tab.on('console', (message) => message.type() === 'error' && consoleErrors.push(`${message.text()} (${message.location()?.url ?? '?'})`));
    tab.on('pageerror', (error) => consoleErrors.push(`pageerror: ${error.message}`));
    tab.on('request', (request) => requests.push(request.url()));
    tab.on('requestfailed', (request) => failedRequests.push(`${request.url()}: ${request.failure()?.errorText}`));
    await tab.goto(`${pageUrl}/${kind}`, { timeout: LOAD_TIMEOUT_MS });
    await tab
      .waitForFunction(
        () => {
          const b = window.__bench;
          return (b.textAt !== null && b.reactAt !== null && b.mountedAt !== null && b.fcp !== null) || b.errors.length > 0;
        },
        undefined,
        { timeout: LOAD_TIMEOUT_MS },
      )
      .catch(() => fail(`${kind}: the 10 components were not shown and mounted (or no first-contentful-paint) within ${LOAD_TIMEOUT_MS} ms`));
    const figures = await tab.evaluate(() => {
      const b = window.__bench;
      const navigation = performance.getEntriesByType('navigation')[0];
      return {
        textAt: b.textAt,
        reactAt: b.reactAt,
        mountedAt: b.mountedAt,
        fcp: b.fcp,
        responseStart: navigation?.responseStart ?? null,
        runtimeAt: b.runtimeAt,
        hydrated: b.hydrated,
        mounted: b.mounted,
        errors: b.errors,
        beforeRuntime: b.beforeRuntime,
        greetings: b.greetings(),
        mountedElements: document.querySelectorAll('mikro-component[state="mounted"]').length,
      };
    });
    const problems = [];
    if (figures.errors.length) problems.push(`mikr0:error: ${figures.errors.join('; ')}`);
    if (figures.greetings !== COUNT) problems.push(`${figures.greetings} of ${COUNT} greetings shown`);
    if (figures.mountedElements !== COUNT || figures.mounted !== COUNT) problems.push(`${figures.mountedElements} elements state="mounted", ${figures.mounted} mikr0:mounted events (expected ${COUNT})`);
    const expectHydrated = kind === 'client-csr' ? 0 : COUNT;
    if (figures.hydrated !== expectHydrated) problems.push(`${figures.hydrated} hydrated (detail.hydrated), expected ${expectHydrated}`);
    if (consoleErrors.length) problems.push(`console errors: ${consoleErrors.join(' | ')}`);
    if (failedRequests.length) problems.push(`failed requests: ${failedRequests.join(' | ')}`);
    const renderRequests = requests.filter((url) => url.includes('/r/component/'));
    if (kind === 'composed' && renderRequests.length) problems.push(`${renderRequests.length} render request(s) from the composed page, first ${renderRequests[0]}`);
    if (kind === 'composed' && (figures.beforeRuntime?.greetings !== COUNT || figures.beforeRuntime?.runtimeDefined !== false)) {
      problems.push(`before the runtime ran: ${JSON.stringify(figures.beforeRuntime)} (expected all ${COUNT} greetings, runtime not defined)`);
    }
    if (problems.length) fail(`${kind} page: ${problems.join('; ')}`);
    return { ...figures, requests: requests.length, renderRequests: renderRequests.length };
  } finally {
    await context.close();
  }
}

/** Sandbox counters from the registry's /metrics (null when it does not answer them). */
async function sandboxCounters(registryUrl) {
  const text = await fetch(`${registryUrl}/metrics`).then((res) => (res.ok ? res.text() : ''), () => '');
  const read = (name) => {
    const match = new RegExp(`^${name} (\\d+)$`, 'm').exec(text);
    return match ? Number(match[1]) : null;
  };
  return { misses: read('mikr0_module_cache_misses_total'), restarts: read('mikr0_sandbox_restarts_total') };
}

let tempDir;

async function main() {
  if (!Number.isInteger(loads) || loads < 1) fail(`BENCH_LOADS must be a positive integer, got "${process.env.BENCH_LOADS}"`);
  tempDir = await fs.mkdtemp(path.join(os.tmpdir(), 'mikr0-bench-composition-'));
  const { renderFragments } = await import(pathToFileURL(path.join(distDir, 'runtime', 'shared', 'compose.js')).href);

  process.stderr.write('building the React starter: ssr, then data only…\n');
  const ssrDist = await buildReactStarter(path.join(tempDir, 'ssr'), { name: 'starter', variant: 'ssr' });
  const dataDist = await buildReactStarter(path.join(tempDir, 'data'), { name: 'starter-data', variant: 'data' });

  const registry = startRegistry('registry', path.join(tempDir, 'registry'));
  const { url: registryUrl, token } = await waitFor(registry, 'ready');
  await publishDist(registryUrl, token, 'starter', '1.0.0', ssrDist);
  await publishDist(registryUrl, token, 'starter-data', '1.0.0', dataDist);

  const pages = await startPageServer(registryUrl, renderFragments);
  const results = Object.fromEntries(PAGES.map((kind) => [kind, []]));
  let countersBefore;
  let browser;
  try {
    browser = await chromium.launch({
      executablePath: process.env.MIKR0_CHROMIUM ?? '/usr/bin/chromium',
      args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking'],
    });
    console.log(`mikr0 composition benchmark: Node ${process.version}, Chromium ${browser.version()}, ${COUNT} React starters per page, ${loads} loads per page`);
    console.log(`registry ${registryUrl}, pages ${pages.url}; fresh browser context per load (cold HTTP cache), times from navigation start`);
    for (const kind of PAGES) await loadPage(browser, pages.url, kind);
    pages.composeMs.length = 0;
    countersBefore = await sandboxCounters(registryUrl);
    for (let round = 0; round < loads; round++) {
      // Rotate the order so that no page always comes first after another.
      const order = PAGES.map((_, i) => PAGES[(i + round) % PAGES.length]);
      for (const kind of order) results[kind].push(await loadPage(browser, pages.url, kind));
      process.stderr.write(`  round ${round + 1}/${loads}: ${order.map((k) => `${k} ${results[k].at(-1).mountedAt.toFixed(0)} ms`).join(' · ')}\n`);
    }
  } finally {
    await browser?.close();
    await pages.close();
  }
  if (pages.problems.length) fail(pages.problems.join('; '));
  const countersAfter = await sandboxCounters(registryUrl);
  const closed = await stopServer(registry);
  if (closed.errors.length) fail(`the registry logged ${closed.errors.length} error(s); first: ${closed.errors[0]}`);

  const median = (kind, key) => quantile(results[kind].map((r) => r[key]), 0.5);
  const ms = (value) => value.toFixed(1);
  console.log('');
  printTable(
    ['page (median of ' + loads + ')', 'responseStart', 'runtime defined', 'first-contentful-paint', 'all 10 greetings shown', 'all 10 mounted', 'React owns all 10', 'requests', '/r/component/'],
    PAGES.map((kind) => [
      LABELS[kind],
      ms(median(kind, 'responseStart')),
      ms(median(kind, 'runtimeAt')),
      ms(median(kind, 'fcp')),
      ms(median(kind, 'textAt')),
      ms(median(kind, 'mountedAt')),
      ms(median(kind, 'reactAt')),
      String(median(kind, 'requests')),
      String(median(kind, 'renderRequests')),
    ]),
  );
  console.log('(ms from navigation start; "shown": first animation frame with all 10 greetings in the DOM; "mounted": 10th mikr0:mounted with all 10 state="mounted";');
  console.log(' "React owns": first animation frame where all 10 like buttons carry React\'s props, i.e. hydrated or created by React)');
  console.log('');
  for (const base of ['client-ssr', 'client-csr']) {
    const ratio = (key) => (median('composed', key) / median(base, key)).toFixed(2);
    console.log(`ratio composed / ${LABELS[base]}: greetings shown ${ratio('textAt')} · first-contentful-paint ${ratio('fcp')} · all mounted ${ratio('mountedAt')} · React owns all ${ratio('reactAt')}`);
  }
  const early = results.composed.filter((r) => r.beforeRuntime?.greetings === COUNT && r.beforeRuntime?.runtimeDefined === false).length;
  console.log(`composed page: all ${COUNT} greetings in the DOM before the runtime ran in ${early}/${loads} loads; hydrated without a render request in ${loads}/${loads}`);
  const composeMs = pages.composeMs;
  console.log(`page server: renderFragments (one /r/batch of ${COUNT}) p50 ${ms(quantile(composeMs, 0.5))} ms, max ${ms(Math.max(...composeMs))} ms over ${composeMs.length} composed pages`);
  if (countersBefore?.misses !== null && countersAfter.misses !== null) {
    console.log(
      `registry during the measured loads: ${countersAfter.misses - countersBefore.misses} module cache misses (server code compiled again), ` +
        `${countersAfter.restarts - countersBefore.restarts} sandbox restarts`,
    );
  }
  console.log('per load (ms): shown / mounted / React owns');
  for (const kind of PAGES) console.log(`  ${LABELS[kind].padEnd(24)} ${results[kind].map((r) => `${r.textAt.toFixed(0)}/${r.mountedAt.toFixed(0)}/${r.reactAt.toFixed(0)}`).join(' ')}`);
}

await runBench(main, () => tempDir);
