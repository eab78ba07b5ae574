/**
 * Every response carries `x-request-id`: the caller's own when it is sane, a new one
 * otherwise; log lines about a failed request name it.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { memoryLogger, publishServer, startRegistry, type TestRegistry } from '../helpers.js';

let registry: TestRegistry;
const logger = memoryLogger();

beforeAll(async () => {
  registry = await startRegistry({ logger, database: { type: 'memory' }, storage: { type: 'memory' } });
  await publishServer(registry, 'boom', `module.exports = { loader: () => { throw new Error('kaput'); } };`);
});
afterAll(() => registry.close());

test.each([
  ['/r/components', 200],
  ['/r/component/nope', 404],
  ['/health', 200],
  ['/nowhere', 404],
])('%s answers an x-request-id (a UUID when the caller sent none)', async (path, status) => {
  const res = await fetch(`${registry.url}${path}`);
  expect(res.status).toBe(status);
  expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
});

test('the caller’s own id is kept when sane, replaced when not', async () => {
  const kept = await fetch(`${registry.url}/r/components`, { headers: { 'x-request-id': 'lb-7f3a.2:9_x' } });
  expect(kept.headers.get('x-request-id')).toBe('lb-7f3a.2:9_x');
  for (const insane of ['a'.repeat(129), 'has space', 'new\tline', '<script>']) {
    const res = await fetch(`${registry.url}/r/components`, { headers: { 'x-request-id': insane } });
    expect(res.headers.get('x-request-id')).not.toBe(insane);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  }
  // Two requests, two ids.
  const [a, b] = await Promise.all([fetch(`${registry.url}/health`), fetch(`${registry.url}/health`)]);
  expect(a.headers.get('x-request-id')).not.toBe(b.headers.get('x-request-id'));
});

test('a log line about a failed request names its id', async () => {
  const res = await fetch(`${registry.url}/r/batch`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'x-request-id': 'trace-42' },
    body: JSON.stringify({ components: [{ name: 'boom' }, { name: 'boom' }] }),
  });
  expect(res.headers.get('x-request-id')).toBe('trace-42');
  const [first] = await res.json();
  expect(first.status).toBe(500);
  expect(logger.lines.some((line) => line.includes('batch render of boom failed (request trace-42)'))).toBe(true);
});
