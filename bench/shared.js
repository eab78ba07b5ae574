#!/usr/bin/env node
/**
 * Shared framework packages: the JavaScript a page downloads for 1, 2 and 5 React components
 * from different bundles, with sharing (the default: React from the page's share scope, loaded
 * once) and without it (`mikr0({ shared: false })`, each bundle carries its own React) — both
 * measured in the same run, in real Chromium.
 *
 *   npm run bench:shared            (builds first)
 *   node bench/shared.js            (dist/ already built)
 *
 * The React starter (templates/react, built like bench/ssr.js builds it) is built 5 times
 * under different names (shared-1 … shared-5), and 5 times again with `shared: false`
 * (plain-1 … plain-5), all published to one registry-lite on loopback. For each count, a fresh
 * browser context (cold HTTP cache, cold module map) opens a page with that many
 * <mikro-component>s and waits until all are mounted; every JavaScript response is counted:
 * decoded bytes, and gzip -9 of them (what a registry behind a compressing proxy would send).
 * The runtime (/r/client.js) is the same on every page and reported apart.
 *
 * Target: 5 components ÷ 1 component ≤ 1.3 for the shared builds (component JavaScript).
 * Exit code: 0 whatever the ratios (a measurement, not a test); 1 if something failed.
 */
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { distDir, fail, printTable, runBench } from './harness.js';
import { buildReactStarter, publishDist } from './ssr.js';

const COUNTS = [1, 2, 5];
const MAX = Math.max(...COUNTS);
const tempDir = await fs.mkdtemp(path.join(os.tmpdir(), 'mikr0-bench-shared-'));

/** Builds the starter in `dir` again with `shared: false`, into dist-unshared/. */
async function buildUnshared(dir) {
  const [{ createBuilder }, { default: react }, { default: mikr0 }] = await Promise.all([
    import('vite'),
    import('@vitejs/plugin-react'),
    import(pathToFileURL(path.join(distDir, 'plugin', 'index.js')).href),
  ]);
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    const builder = await createBuilder({ root: dir, configFile: false, logLevel: 'silent', plugins: [react(), mikr0({ shared: false, outDir: 'dist-unshared' })] });
    await builder.buildApp();
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  return path.join(dir, 'dist-unshared');
}

async function main() {
  // 1. Ten bundles: the same starter under ten names, half of them without sharing.
  const { createRegistry } = await import(pathToFileURL(path.join(distDir, 'registry-lite', 'index.js')).href);
  const registry = createRegistry({ dataDir: path.join(tempDir, 'data'), logger: { info() {}, warn: console.warn, error: console.error } });
  const browser = await chromium.launch({
    executablePath: process.env.MIKR0_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking'],
  });
  let pageServer;
  try {
    const { url: registryUrl } = await registry.listen(0);
    const { token } = await registry.tokens.create(['publish'], 'bench');
    for (let i = 1; i <= MAX; i++) {
      const dir = path.join(tempDir, `starter-${i}`);
      const dist = await buildReactStarter(dir, { name: `shared-${i}`, variant: 'ssr' });
      await publishDist(registryUrl, token, `shared-${i}`, '1.0.0', dist);
      // Same sources, another name: the package.json name is the bundle's.
      const pkgFile = path.join(dir, 'package.json');
      const pkg = JSON.parse(await fs.readFile(pkgFile, 'utf8'));
      await fs.writeFile(pkgFile, JSON.stringify({ ...pkg, name: `plain-${i}` }, null, 2));
      await publishDist(registryUrl, token, `plain-${i}`, '1.0.0', await buildUnshared(dir));
    }

    // 2. Pages on another origin: N components, each from its own bundle.
    const pages = new Map();
    for (const prefix of ['shared', 'plain']) {
      for (const n of COUNTS) {
        const elements = Array.from({ length: n }, (_, i) => `<mikro-component name="${prefix}-${i + 1}" version="1.0.0" parameters='{"name":"World"}'></mikro-component>`);
        pages.set(`/${prefix}-${n}`, `<!doctype html><script type="module" src="${registryUrl}/r/client.js"></script>${elements.join('\n')}`);
      }
    }
    pageServer = http.createServer((req, res) => {
      res.writeHead(pages.has(req.url) ? 200 : 404, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(pages.get(req.url) ?? '');
    });
    await new Promise((resolve) => pageServer.listen(0, '127.0.0.1', resolve));
    const origin = `http://localhost:${pageServer.address().port}`;

    // 3. Every JavaScript response of a cold page, until all its components are mounted.
    async function measure(prefix, n) {
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        const bodies = [];
        page.on('response', (response) => {
          if (response.request().resourceType() === 'script' || /\.m?js(\?|$)/.test(response.url())) bodies.push(response.body().then((body) => ({ url: response.url(), body }), () => null));
        });
        const errors = [];
        page.on('pageerror', (error) => errors.push(String(error)));
        await page.goto(`${origin}/${prefix}-${n}`);
        await page.waitForFunction((count) => document.querySelectorAll('mikro-component[state=mounted]').length === count || document.querySelector('mikro-component[state=failed]'), n, { timeout: 60_000 });
        const failed = await page.$('mikro-component[state=failed]');
        if (failed || errors.length) fail(`${prefix}-${n}: ${errors.join('; ') || (await failed.textContent())}`);
        const files = (await Promise.all(bodies)).filter(Boolean);
        const sum = (list, f) => list.reduce((total, file) => total + f(file.body), 0);
        const runtime = files.filter((file) => file.url.endsWith('/r/client.js'));
        const components = files.filter((file) => !file.url.endsWith('/r/client.js'));
        const reactChunks = components.filter((file) => /share_own_react-/.test(file.url)).length;
        return {
          raw: sum(components, (b) => b.length),
          gzip: sum(components, (b) => gzipSync(b, { level: 9 }).length),
          runtimeRaw: sum(runtime, (b) => b.length),
          files: components.length,
          reactChunks,
        };
      } finally {
        await context.close();
      }
    }

    const results = {};
    for (const prefix of ['shared', 'plain']) for (const n of COUNTS) results[`${prefix}-${n}`] = await measure(prefix, n);

    const kb = (n) => `${(n / 1024).toFixed(1)} kB`;
    console.log(`JavaScript a page downloads for N React components from different bundles (the runtime, /r/client.js, ${kb(results['shared-1'].runtimeRaw)}, apart)\n`);
    printTable(
      ['components', 'shared: raw', 'gzip', 'files', 'React copies', 'shared: false: raw', 'gzip', 'files'],
      COUNTS.map((n) => {
        const s = results[`shared-${n}`];
        const p = results[`plain-${n}`];
        return [n, kb(s.raw), kb(s.gzip), s.files, s.reactChunks, kb(p.raw), kb(p.gzip), p.files].map(String);
      }),
    );
    const ratio = (prefix, field) => results[`${prefix}-${MAX}`][field] / results[`${prefix}-1`][field];
    console.log(
      `\n${MAX} components ÷ 1 component: shared ${ratio('shared', 'raw').toFixed(2)} raw, ${ratio('shared', 'gzip').toFixed(2)} gzip (target ≤ 1.3) · ` +
        `shared: false ${ratio('plain', 'raw').toFixed(2)} raw, ${ratio('plain', 'gzip').toFixed(2)} gzip`,
    );
    console.log(`${MAX} components, shared ÷ shared: false: ${(results[`shared-${MAX}`].raw / results[`plain-${MAX}`].raw).toFixed(2)} raw`);
  } finally {
    await browser.close().catch(() => {});
    if (pageServer) await new Promise((resolve) => pageServer.close(resolve));
    await registry.close().catch(() => {});
  }
}

await runBench(main, () => tempDir);
