/**
 * /metrics: our own counters, prom-client's process metrics in one exposition, renders by
 * component for the most rendered only, label values escaped as the text format wants.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createMetrics } from '../../registry-lite/metrics.js';
import { publishServer, startRegistry, type TestRegistry } from '../helpers.js';

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL_VALUE = '"(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
const LABELS = `\\{(?:[a-zA-Z_][a-zA-Z0-9_]*=${LABEL_VALUE}(?:,[a-zA-Z_][a-zA-Z0-9_]*=${LABEL_VALUE})*,?)?\\}`;
const VALUE = '(?:[-+]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][-+]?\\d+)?|[-+]?Inf|NaN)';
const SAMPLE = new RegExp(`^(${NAME})(${LABELS})? (${VALUE})(?: -?\\d+)?$`, 'i');
const HELP = new RegExp(`^# HELP (${NAME})(?: .*)?$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);

/**
 * A small check of the Prometheus text format (prom-client has no parser): every line a
 * sample, a HELP, a TYPE or blank; a family's HELP and TYPE at most once, before its samples.
 */
function checkExposition(text: string): { problems: string[]; samples: string[] } {
  const problems: string[] = [];
  const samples: string[] = [];
  const help = new Set<string>();
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const h = HELP.exec(line);
    const t = TYPE.exec(line);
    const s = SAMPLE.exec(line);
    if (h) {
      if (help.has(h[1])) problems.push(`second HELP for ${h[1]}`);
      help.add(h[1]);
    } else if (t) {
      if (types.has(t[1])) problems.push(`second TYPE for ${t[1]}`);
      types.set(t[1], t[2]);
    } else if (s) {
      samples.push(line);
      const family = [s[1], s[1].replace(/_(bucket|sum|count)$/, '')].find((name) => types.has(name));
      if (!family) problems.push(`no TYPE before ${line}`);
    } else {
      problems.push(`not exposition: ${JSON.stringify(line)}`);
    }
  }
  return { problems, samples };
}

test.each([
  ['m{component="a"b"} 1'],
  ['m{component="a\\"} 1'],
  ['m{component=a} 1'],
  ['m 1 2 3'],
  ['m one'],
  ['# TYPE m counter\n# TYPE m counter'],
])('the exposition check rejects %j', (text) => {
  expect(checkExposition(`# TYPE m counter\n${text}\n`).problems).not.toEqual([]);
});

describe('createMetrics', () => {
  test('renders by component: only the top N, most rendered first', async () => {
    const metrics = createMetrics({ topComponents: 3 });
    const counts = { a: 1, b: 5, c: 2, d: 4, e: 3 };
    for (const [name, n] of Object.entries(counts)) for (let i = 0; i < n; i++) metrics.rendered(name);
    const text = await metrics.render(null, 5);
    const lines = text.split('\n').filter((line) => line.startsWith('mikr0_component_renders_total'));
    expect(lines).toEqual([
      'mikr0_component_renders_total{component="b"} 5',
      'mikr0_component_renders_total{component="d"} 4',
      'mikr0_component_renders_total{component="e"} 3',
    ]);
    expect(checkExposition(text).problems).toEqual([]);
  });

  test('label values escape backslash, double quote and newline (and nothing else)', async () => {
    const metrics = createMetrics();
    const odd = 'we"ird\\na\nme é';
    metrics.rendered(odd);
    const stats = {
      moduleCacheHits: 0,
      moduleCacheMisses: 0,
      processRestarts: 0,
      components: { [`${odd}@1.0.0`]: { timeouts: 2, crashes: 0, memoryKills: 0, cutoffs: 0 } },
    };
    const text = await metrics.render(stats, 1);
    const escaped = 'we\\"ird\\\\na\\nme é';
    expect(text).toContain(`mikr0_component_renders_total{component="${escaped}"} 1\n`);
    expect(text).toContain(`mikr0_sandbox_timeouts_total{component="${escaped}@1.0.0"} 2\n`);
    expect(checkExposition(text).problems).toEqual([]);
  });

  test('topComponents must be a whole number', () => {
    expect(() => createMetrics({ topComponents: -1 })).toThrow(/topComponents must be a whole number/);
    expect(() => createMetrics({ topComponents: 2.5 })).toThrow(TypeError);
  });

  test('two registries in one process each have their own process metrics (no global registry)', async () => {
    const [a, b] = [createMetrics(), createMetrics()];
    for (const text of await Promise.all([a.render(null, 0), b.render(null, 0)])) {
      expect(text.match(/^# TYPE mikr0_process_cpu_user_seconds_total /gm)).toHaveLength(1);
    }
  });
});

describe('GET /metrics', () => {
  let registry: TestRegistry;
  const names = ['m-one', 'm-two', 'm-three'];

  beforeAll(async () => {
    registry = await startRegistry({ database: { type: 'memory' }, storage: { type: 'memory' } });
    for (const name of names) await publishServer(registry, name, `module.exports = { loader: () => ({ ok: true }) };`);
    // m-one 3 renders, m-two 2, m-three 1 (each version resolved once per request).
    for (const [i, name] of names.entries()) {
      for (let n = 0; n < names.length - i; n++) expect((await fetch(`${registry.url}/r/component/${name}/1.0.0`)).status).toBe(200);
    }
  });
  afterAll(() => registry.close());

  test('one valid exposition: our metrics, then prom-client’s process metrics, prefixed mikr0_', async () => {
    const res = await fetch(`${registry.url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const { problems, samples } = checkExposition(text);
    expect(problems).toEqual([]);
    expect(samples.length).toBeGreaterThan(20);
    expect(text).toMatch(/^mikr0_http_requests_total\{route="render",method="GET",status="200"\} 6$/m);
    expect(text).toMatch(/^mikr0_process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^mikr0_process_resident_memory_bytes \d/m);
    expect(text).toMatch(/^mikr0_nodejs_eventloop_lag_seconds \d/m);
    expect(text).toMatch(/^mikr0_nodejs_heap_size_used_bytes \d/m);
    expect(text).toMatch(/^mikr0_nodejs_active_handles_total \d/m);
    expect(text).toMatch(/^# TYPE mikr0_nodejs_gc_duration_seconds histogram$/m);
    // Nothing unprefixed (the global registry's metrics would be).
    expect(samples.filter((line) => !line.startsWith('mikr0_'))).toEqual([]);
  });

  test('renders by component, counted by the render route', async () => {
    const text = await (await fetch(`${registry.url}/metrics`)).text();
    const lines = text.split('\n').filter((line) => line.startsWith('mikr0_component_renders_total'));
    expect(lines).toEqual([
      'mikr0_component_renders_total{component="m-one"} 3',
      'mikr0_component_renders_total{component="m-two"} 2',
      'mikr0_component_renders_total{component="m-three"} 1',
    ]);
  });
});
