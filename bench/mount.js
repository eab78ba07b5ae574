/**
 * Mount benchmark: a page with 100 <mikro-component> elements, in real Chromium, against
 * registry-lite on loopback — compared, in the same run, with the same page done by hand
 * (100 × fetch the render payload, import its module, call mount), the least a page could do.
 *
 *   node bench/mount.js [--rounds 6] [--count 100]
 *
 * The component is test/browser/fixtures/greeter built by the plugin (vite build + mikr0()).
 * Each round opens a fresh browser context (cold module map, cold HTTP cache) for each page,
 * alternating runtime/baseline. The time is measured in the page, from navigation start to
 * the moment all components are mounted. Exit code 0 whatever the ratio; 1 if something fails.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { createRegistry } from '../dist/registry-lite/index.js';
import { collectFiles, packTarGz } from '../dist/bundle/pack.js';
import { buildComponent } from '../scripts/build-component.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const ROUNDS = flag('--rounds', 6);
const COUNT = flag('--count', 100);
const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'mikr0-bench-mount-'));
const cleanup = [];

try {
  // 1. Build the fixture with the plugin, as a component author would.
  const project = path.join(temp, 'greeter');
  fs.cpSync(path.join(root, 'test/browser/fixtures/greeter'), project, { recursive: true });
  const dist = await buildComponent(project);

  // 2. A registry on loopback with it published, and a page server on another origin.
  const registry = createRegistry({ dataDir: path.join(temp, 'data'), logger: { info() {}, warn: console.warn, error: console.error } });
  cleanup.push(() => registry.close());
  const { url: registryUrl } = await registry.listen(0);
  const { token } = await registry.tokens.create(['publish'], 'bench');
  const published = await fetch(`${registryUrl}/r/publish/greeter/1.0.0`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/gzip' },
    body: await packTarGz(await collectFiles(dist)),
  });
  if (published.status !== 201) throw new Error(`publish failed: ${published.status} ${await published.text()}`);

  const names = Array.from({ length: COUNT }, (_, i) => `N${i}`);
  const runtimePage = `<!doctype html><script type="module" src="${registryUrl}/r/client.js"></script>
<script>
  let mounted = 0;
  document.addEventListener('mikr0:mounted', () => { if (++mounted === ${COUNT}) window.done = performance.now(); });
  document.addEventListener('mikr0:error', (e) => (window.failed = e.detail.message));
</script>
${names.map((name) => `<mikro-component name="greeter" version="1.0.0" parameters='{"name":"${name}"}'></mikro-component>`).join('\n')}`;
  const baselinePage = `<!doctype html><script>window.mikr0 = { events: { fire() {}, on() {} } };</script>
${names.map((name) => `<div class="c" data-name="${name}"></div>`).join('\n')}
<script type="module">
  const base = ${JSON.stringify(registryUrl)};
  await Promise.all([...document.querySelectorAll('.c')].map(async (element) => {
    const response = await fetch(base + '/r/component/greeter/1.0.0?name=' + element.dataset.name);
    if (!response.ok) throw new Error('render failed: ' + response.status);
    const payload = await response.json();
    for (const href of payload.css ?? []) if (!document.querySelector('link[href="' + href + '"]')) document.head.append(Object.assign(document.createElement('link'), { rel: 'stylesheet', href }));
    const module = await import(payload.src);
    await (module.default ?? module).mount(element, payload.data, { baseUrl: base + '/r', name: payload.name, version: payload.version });
  }));
  window.done = performance.now();
</script>`;
  const pages = { runtime: runtimePage, baseline: baselinePage };
  const pageServer = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(pages[req.url.slice(1)] ?? '');
  });
  await new Promise((resolve) => pageServer.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise((resolve) => pageServer.close(resolve)));
  const pageOrigin = `http://localhost:${pageServer.address().port}`;

  // 3. Interleaved rounds in Chromium.
  const browser = await chromium.launch({
    executablePath: process.env.MIKR0_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking'],
  });
  cleanup.push(() => browser.close());
  const times = { runtime: [], baseline: [] };
  async function measure(kind) {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${pageOrigin}/${kind}`);
      await page.waitForFunction(() => window.done !== undefined || window.failed !== undefined, undefined, { timeout: 60_000 });
      const { done, failed, count } = await page.evaluate(() => ({ done: window.done, failed: window.failed, count: document.querySelectorAll('.greeting').length }));
      if (failed || count !== COUNT) throw new Error(`${kind} page: ${failed ?? `${count} of ${COUNT} mounted`}`);
      return done;
    } finally {
      await context.close();
    }
  }
  await measure('runtime');
  await measure('baseline');
  for (let round = 0; round < ROUNDS; round++) {
    for (const kind of round % 2 ? ['baseline', 'runtime'] : ['runtime', 'baseline']) times[kind].push(await measure(kind));
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const runtime = median(times.runtime);
  const baseline = median(times.baseline);
  console.log(
    `mount ${COUNT} components (Chromium, ${ROUNDS} rounds, median from navigation start): ` +
      `<mikro-component> ${runtime.toFixed(0)} ms · hand-written fetch + import + mount ${baseline.toFixed(0)} ms · ratio ${(runtime / baseline).toFixed(2)}`,
  );
  console.log(`  runtime:  ${times.runtime.map((t) => t.toFixed(0)).join(' ')}\n  baseline: ${times.baseline.map((t) => t.toFixed(0)).join(' ')}`);
} catch (error) {
  console.error(`bench failed: ${error?.stack ?? error}`);
  process.exitCode = 1;
} finally {
  for (const fn of cleanup.reverse()) await fn().catch(() => {});
  fs.rmSync(temp, { recursive: true, force: true });
}
