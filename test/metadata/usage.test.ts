/**
 * Usage counts (metadata/usage.ts): no database write per request — counts add up in memory and
 * go out in one `addUsage` per flush; reads include what is not flushed; a failed flush loses
 * nothing; close sends the rest.
 */
import { afterEach, expect, test } from 'vitest';
import { memoryBackend } from '../../registry-lite/metadata/memory.js';
import type { MetadataBackend, UsageRow } from '../../registry-lite/metadata/types.js';
import { createUsage, dayOf, type Usage } from '../../registry-lite/metadata/usage.js';

const opened: Usage[] = [];
afterEach(async () => {
  for (const usage of opened.splice(0)) await usage.close().catch(() => {});
});

/** The memory backend, counting (and optionally failing) its addUsage calls. */
function counting(fail = () => false) {
  const backend = memoryBackend();
  const calls: UsageRow[][] = [];
  const addUsage = backend.addUsage.bind(backend);
  const wrapped: MetadataBackend = {
    ...backend,
    async addUsage(rows) {
      calls.push(rows.map((row) => ({ ...row })));
      if (fail()) throw new Error('database down');
      return addUsage(rows);
    },
  };
  return { backend: wrapped, calls };
}

function open(backend: MetadataBackend, flushIntervalMs = 60_000, onError?: (error: unknown) => void) {
  const usage = createUsage(backend, { flushIntervalMs, onError });
  opened.push(usage);
  return usage;
}

test('10 000 renders make no database write until the flush, then one', async () => {
  const { backend, calls } = counting();
  const usage = open(backend);
  for (let i = 0; i < 10_000; i++) usage.rendered('card', i % 2 ? '1.0.0' : '1.1.0');
  usage.acted('card', '1.0.0');
  expect(calls).toHaveLength(0);
  // Reads see the unflushed counts, still without writing.
  const before = await usage.forName('card');
  expect(before.get('1.0.0')).toMatchObject({ renders: 5000, actions: 1 });
  expect(before.get('1.1.0')).toMatchObject({ renders: 5000, actions: 0 });
  expect(calls).toHaveLength(0);
  await usage.flush();
  expect(calls).toHaveLength(1);
  expect(calls[0]).toHaveLength(2); // one row per version and day, not per render
  // Flushed and unflushed add up, never twice.
  usage.rendered('card', '1.0.0');
  expect((await usage.forName('card')).get('1.0.0')).toMatchObject({ renders: 5001, actions: 1 });
  expect((await backend.getUsage('card', '0000-00-00')).find((r) => r.version === '1.0.0')?.renders).toBe(5000);
});

test('flushes by itself every flushIntervalMs', async () => {
  const { backend, calls } = counting();
  const usage = open(backend, 50);
  usage.rendered('card', '1.0.0');
  await new Promise((resolve) => setTimeout(resolve, 150));
  expect(calls).toHaveLength(1);
  expect(await backend.getUsage('card', dayOf(Date.now()))).toMatchObject([{ name: 'card', version: '1.0.0', renders: 1 }]);
  // Idle: no timer, no write.
  await new Promise((resolve) => setTimeout(resolve, 150));
  expect(calls).toHaveLength(1);
});

test('a failed flush keeps its counts for the next one and says so', async () => {
  let down = true;
  const { backend, calls } = counting(() => down);
  const errors: unknown[] = [];
  const usage = open(backend, 60_000, (error) => errors.push(error));
  usage.rendered('card', '1.0.0');
  usage.rendered('card', '1.0.0');
  await usage.flush();
  expect(errors).toHaveLength(1);
  usage.rendered('card', '1.0.0');
  expect((await usage.forName('card')).get('1.0.0')?.renders).toBe(3);
  down = false;
  await usage.flush();
  expect(calls).toHaveLength(2);
  expect((await backend.getUsage('card', '0000-00-00'))[0].renders).toBe(3);
});

test('close sends what is left; renderedWithin looks at the last 24 hours only', async () => {
  const { backend } = counting();
  const usage = createUsage(backend, { flushIntervalMs: 60_000 });
  const now = Date.now();
  usage.rendered('card', '1.0.0', now - 40 * 86_400_000);
  expect(await usage.renderedWithin('card', '1.0.0', 86_400_000, now)).toBeNull();
  usage.rendered('card', '1.0.0', now - 1000);
  usage.rendered('card', '2.0.0', now - 500);
  expect(await usage.renderedWithin('card', '1.0.0', 86_400_000, now)).toEqual({ renders: 1, last: now - 1000 });
  await usage.close();
  const stored = await backend.getUsage('card', '0000-00-00');
  expect(stored.reduce((sum, row) => sum + row.renders, 0)).toBe(3);
  // Per-day rows: the old render is on its own day, outside the 30 days a detail shows one by one.
  const fresh = createUsage(backend);
  const byVersion = await fresh.forName('card', now);
  expect(byVersion.get('1.0.0')).toMatchObject({ renders: 2, lastRenderedAt: now - 1000 });
  expect(byVersion.get('1.0.0')!.days).toEqual([{ day: dayOf(now - 1000), renders: 1, actions: 0 }]);
  await fresh.close();
});
