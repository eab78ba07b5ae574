/**
 * Prometheus metrics. The request path only adds to plain numbers (counters, the
 * render-duration histogram, renders per component); the text is built at scrape time, with
 * prom-client's process metrics (CPU, memory, event-loop lag, GC, handles) at its end.
 */
import type { Registry } from 'prom-client';
import type { SandboxStats } from '../runtime/node/sandbox/index.js';

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface MetricsOptions {
  /**
   * How many components `mikr0_component_renders_total` lists, the most rendered (default 50):
   * a series per published name would grow without bound in Prometheus.
   */
  topComponents?: number;
}

export function createMetrics({ topComponents = 50 }: MetricsOptions = {}) {
  if (!Number.isInteger(topComponents) || topComponents < 0) {
    throw new TypeError(`topComponents must be a whole number of components (default 50), got ${topComponents}`);
  }
  const requests = new Map<string, number>();
  const bucketCounts = new Array<number>(BUCKETS.length).fill(0);
  let renderCount = 0;
  let renderSum = 0;
  const renders = new Map<string, number>();
  let processRegistry: Promise<Registry> | undefined;

  return {
    request(route: string, method: string, status: number) {
      const key = `route="${route}",method="${method}",status="${status}"`;
      requests.set(key, (requests.get(key) ?? 0) + 1);
    },

    renderDuration(seconds: number) {
      renderCount++;
      renderSum += seconds;
      for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]) bucketCounts[i]++;
    },

    /** Counts a render of component `name` (any version). */
    rendered(name: string) {
      renders.set(name, (renders.get(name) ?? 0) + 1);
    },

    /** The exposition text; `sandbox` and `components` are read at scrape time. */
    async render(sandbox: SandboxStats | null, components: number): Promise<string> {
      const lines = [
        '# HELP mikr0_http_requests_total HTTP requests by route, method and status.',
        '# TYPE mikr0_http_requests_total counter',
        ...[...requests].map(([labels, count]) => `mikr0_http_requests_total{${labels}} ${count}`),
        '# HELP mikr0_render_duration_seconds Time to render a component (parameters, loader, payload).',
        '# TYPE mikr0_render_duration_seconds histogram',
        ...BUCKETS.map((le, i) => `mikr0_render_duration_seconds_bucket{le="${le}"} ${bucketCounts[i]}`),
        `mikr0_render_duration_seconds_bucket{le="+Inf"} ${renderCount}`,
        `mikr0_render_duration_seconds_sum ${renderSum}`,
        `mikr0_render_duration_seconds_count ${renderCount}`,
        // No sandbox when the `executor` option runs server code (vite dev).
        ...(sandbox ? sandboxLines(sandbox) : []),
        '# HELP mikr0_components Components in the registry.',
        '# TYPE mikr0_components gauge',
        `mikr0_components ${components}`,
        '# HELP mikr0_component_renders_total Renders by component since the registry started (only the most rendered components).',
        '# TYPE mikr0_component_renders_total counter',
        ...topRenders(renders, topComponents).map(([name, count]) => `mikr0_component_renders_total{component="${labelValue(name)}"} ${count}`),
      ];
      processRegistry ??= processMetrics();
      return lines.join('\n') + '\n' + (await (await processRegistry).metrics());
    },
  };
}

function sandboxLines(sandbox: SandboxStats): string[] {
  return [
    '# HELP mikr0_module_cache_hits_total Renders and actions whose compiled server code was cached.',
    '# TYPE mikr0_module_cache_hits_total counter',
    `mikr0_module_cache_hits_total ${sandbox.moduleCacheHits}`,
    '# HELP mikr0_module_cache_misses_total Renders and actions that had to load and compile server code.',
    '# TYPE mikr0_module_cache_misses_total counter',
    `mikr0_module_cache_misses_total ${sandbox.moduleCacheMisses}`,
    '# HELP mikr0_sandbox_restarts_total Sandbox processes replaced after a crash, a memory kill or a stuck job.',
    '# TYPE mikr0_sandbox_restarts_total counter',
    `mikr0_sandbox_restarts_total ${sandbox.processRestarts}`,
    ...componentCounters(sandbox),
  ];
}

const COUNTERS = [
  ['timeouts', 'mikr0_sandbox_timeouts_total', 'Loaders and actions stopped at the timeout, by component version.'],
  ['crashes', 'mikr0_sandbox_crashes_total', 'Sandbox processes a component version crashed.'],
  ['memoryKills', 'mikr0_sandbox_memory_kills_total', 'Runs stopped for going over the sandbox memory limit, by component version.'],
  ['cutoffs', 'mikr0_sandbox_cutoffs_total', 'Times a component version was cut off after repeated failures.'],
] as const;

function componentCounters(sandbox: SandboxStats): string[] {
  const entries = Object.entries(sandbox.components);
  return COUNTERS.flatMap(([field, name, help]) => [
    `# HELP ${name} ${help}`,
    `# TYPE ${name} counter`,
    ...entries.filter(([, c]) => c[field] > 0).map(([key, c]) => `${name}{component="${labelValue(key)}"} ${c[field]}`),
  ]);
}

/** The `n` most rendered names, ties by name so a scrape's list does not flicker. */
function topRenders(renders: Map<string, number>, n: number): [string, number][] {
  return [...renders].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0)).slice(0, n);
}

/** A label value in the text format: backslash, double quote and line feed escaped (JSON escapes more, and differently). */
function labelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

/**
 * prom-client's default metrics in a registry of this registry's own (never the global one:
 * several registries may share a process), prefixed `mikr0_`. Started at the first scrape:
 * prom-client takes ~50 ms to load, and its GC observer and event-loop monitor cannot be
 * stopped again, which an embedder that never scrapes (vite dev, tests) should not pay for.
 */
async function processMetrics(): Promise<Registry> {
  const { Registry, collectDefaultMetrics } = await import('prom-client');
  const register = new Registry();
  collectDefaultMetrics({ register, prefix: 'mikr0_' });
  return register;
}

export type Metrics = ReturnType<typeof createMetrics>;
