/**
 * The client commands are quick: they load only what they need, and exit as soon as their
 * work is done. The lag is measured from the last output to the exit (not the total time),
 * so a slow machine does not make it fail, and a handle that keeps Node alive does.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { root, tempDir } from '../helpers.js';
import { mikr0, startRegistryCli, stopAll, type Running } from './process.js';

let registry: Running;
let data: string;

beforeAll(async () => {
  data = await tempDir('mikr0-cli-speed-');
  registry = await startRegistryCli(['--port', '0', '--data', data]);
});

afterAll(async () => {
  await stopAll();
  fs.rmSync(data, { recursive: true, force: true });
});

test('ls and info exit within a few ms of their last line', async () => {
  for (const args of [['ls'], ['info', 'nothing-here']]) {
    const lags: number[] = [];
    for (let i = 0; i < 3; i++) {
      const result = await mikr0([...args, '-r', registry.url]);
      expect(result.stderr).toMatch(args[0] === 'ls' ? /no components/ : /not found/);
      lags.push(result.lag);
    }
    // The best of three, so one scheduling hiccup on a busy machine does not count. A fetch-based
    // client lingers 50-150 ms here (its WebAssembly HTTP parser); node:http exits in ~5 ms.
    expect(Math.min(...lags), `${args[0]}: ${lags.map((l) => l.toFixed(0)).join(', ')} ms`).toBeLessThan(40);
  }
});

/** Every file a module imports statically, transitively, as paths or bare package names. */
function staticGraph(entry: string, seen = new Set<string>()): Set<string> {
  if (seen.has(entry) || !entry.endsWith('.js')) return seen;
  seen.add(entry);
  const code = fs.readFileSync(entry, 'utf8');
  // `import x from '...'` and `export ... from '...'`, not import(): lazy loads are the point.
  for (const [, specifier] of code.matchAll(/^\s*(?:import|export)\b[^'"]*?\bfrom\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]/gm)) {
    if (!specifier) continue;
    if (specifier.startsWith('.')) staticGraph(path.resolve(path.dirname(entry), specifier), seen);
    else seen.add(specifier);
  }
  return seen;
}

test('the client commands load neither registry-lite, SQLite nor vite', () => {
  const dist = path.join(root, 'dist');
  for (const command of ['ls', 'info', 'publish', 'deprecate']) {
    const graph = [...staticGraph(path.join(dist, 'cli', 'commands', `${command}.js`)), ...staticGraph(path.join(dist, 'cli', 'index.js'))];
    const heavy = graph.filter((m) => m.startsWith(path.join(dist, 'registry-lite')) || /^(better-sqlite3|vite|undici)(\/|$)/.test(m));
    expect(heavy, command).toEqual([]);
    expect(graph.length, command).toBeGreaterThan(3);
  }
});
