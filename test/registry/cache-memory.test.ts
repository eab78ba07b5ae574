/**
 * Compiled components are cached by memory, not only by count: versions that each hold a
 * lot (as one that bundles a server renderer does, about 1.5 MB a context for React's) make
 * the sandbox drop the least recently used idle ones, instead of going over its memory limit
 * and stopping whichever component was running at that moment.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { publishServer, startRegistry, type TestRegistry } from '../helpers.js';

let registry: TestRegistry;
const VERSIONS = 60;
// About 3 MB of numbers held by each version's module, like a bundled renderer's code and tables.
const FAT = `const table = Array.from({ length: 400000 }, (_, i) => i + 0.5);
module.exports = { loader: ({ parameters }) => ({ n: parameters.n ?? null, size: table.length }) };`;

beforeAll(async () => {
  // One process, 64 MB: 60 such versions (and the default cacheSize of 200) do not fit at once.
  registry = await startRegistry({ processes: 1, memoryLimitMb: 64, timeout: 5000 });
  for (let i = 0; i < VERSIONS; i++) await publishServer(registry, 'fat', FAT, `1.0.${i}`);
}, 60_000);
afterAll(() => registry?.close());

test('60 versions of 3 MB each render in a 64 MB sandbox, twice over, with no memory kill', { timeout: 60_000 }, async () => {
  for (let pass = 0; pass < 2; pass++) {
    for (let i = 0; i < VERSIONS; i++) {
      const res = await fetch(`${registry.url}/r/component/fat/1.0.${i}?n=${i}`);
      const body = await res.json();
      expect(res.status, `pass ${pass + 1}, fat@1.0.${i}: ${JSON.stringify(body)}`).toBe(200);
      expect(body.data).toEqual({ n: String(i), size: 400000 });
    }
  }
  const metrics = await (await fetch(`${registry.url}/metrics`)).text();
  expect(metrics).not.toMatch(/mikr0_sandbox_memory_kills_total\{/);
  expect(metrics).toMatch(/mikr0_sandbox_restarts_total 0/);
});
