/**
 * `vite-plugin-mikr0/server`: server-side composition for a page server. Renders many
 * components in one `POST /r/batch` round trip and answers each as an HTML fragment
 * (shared/fragment.ts) to put into the page before it is sent; the browser runtime hydrates
 * them without asking again. Every component has a deadline: one that is slow, failing or
 * missing answers its failed-state fragment (with the page's `fallback` HTML, if given) and
 * never holds the page. Needs only `fetch`: Node ≥ 18, Deno, Bun and edge runtimes.
 */
import type { RenderPayload } from './api.js';
import { failedFragment, renderedFragment, type FragmentRequest } from './fragment.js';
import { platform } from './platform.js';

export interface ComposeComponent {
  name: string;
  /** A version or range (`1.x`); none for the latest. */
  version?: string;
  parameters?: Record<string, string | number | boolean>;
  /** Milliseconds this component may take (default: the call's `timeout`). */
  timeout?: number;
  /** HTML (trusted: the page's own) shown when the component cannot be rendered. */
  fallback?: string;
}

export interface ComposeOptions {
  /** The registry's root URL, e.g. `https://registry.example.com`. */
  registry: string;
  components: ComposeComponent[];
  /** Default per-component deadline in ms (default 3000). */
  timeout?: number;
  /**
   * Request headers to hand the loaders, usually some of the page request's own
   * (`accept-language`, say). Sent to the registry as they are.
   */
  headers?: Record<string, string>;
}

export interface ComposedFragment {
  name: string;
  /** The fragment to put into the page: rendered, or in its failed state. */
  html: string;
  /** 200, or the failure's status (504 when it timed out, 0 when the registry was not reached). */
  status: number;
  /** Set when the component failed: the error code (`TIMEOUT`, `NOT_FOUND`...) and message. */
  error?: { code: string; message: string };
  /** The exact version rendered. */
  version?: string;
}

interface BatchAnswer {
  status: number;
  response: RenderPayload | { error?: { code?: string; message?: string } };
}

/** Network time allowed on top of the slowest component's deadline before the batch is given up. */
const NETWORK_MARGIN_MS = 250;

export async function renderFragments(options: ComposeOptions): Promise<ComposedFragment[]> {
  const registry = options.registry.replace(/\/+$/, '');
  const timeout = options.timeout ?? 3000;
  const requests: FragmentRequest[] = options.components.map((c) => ({ name: c.name, version: c.version, registry, parameters: c.parameters }));
  const failed = (i: number, status: number, error: { code: string; message: string }): ComposedFragment => ({
    name: options.components[i].name,
    html: failedFragment(requests[i], error, options.components[i].fallback),
    status,
    error,
  });
  if (!options.components.length) return [];

  const deadline = Math.max(...options.components.map((c) => c.timeout ?? timeout)) + NETWORK_MARGIN_MS;
  const controller = new platform.AbortController();
  const timer = platform.setTimeout(() => controller.abort(), deadline);
  let answers: BatchAnswer[];
  try {
    const response = await platform.fetch(`${registry}/r/batch`, {
      method: 'POST',
      headers: { ...options.headers, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({
        components: options.components.map((c) => ({ name: c.name, version: c.version, parameters: c.parameters, timeout: c.timeout ?? timeout })),
      }),
      signal: controller.signal,
    });
    const body = await response.json().catch(() => null);
    if (!response.ok || !Array.isArray(body) || body.length !== options.components.length) {
      const message = (body as { error?: { message?: string } } | null)?.error?.message ?? `the registry answered ${response.status}`;
      return options.components.map((_, i) => failed(i, response.status || 502, { code: 'BAD_GATEWAY', message }));
    }
    answers = body as BatchAnswer[];
  } catch (error) {
    const aborted = controller.signal.aborted;
    const status = aborted ? 504 : 0;
    const problem = aborted
      ? { code: 'TIMEOUT', message: `the registry did not answer within ${deadline} ms` }
      : { code: 'NETWORK_ERROR', message: `could not reach ${registry}: ${(error as Error)?.message ?? error}` };
    return options.components.map((_, i) => failed(i, status, problem));
  } finally {
    platform.clearTimeout(timer);
  }

  return answers.map((answer, i) => {
    const payload = answer?.response as RenderPayload;
    if (answer?.status === 200 && payload && typeof payload.src === 'string') {
      return {
        name: payload.name,
        version: payload.version,
        status: 200,
        html: renderedFragment(requests[i], { ...payload, data: JSON.stringify(payload.data ?? null) }),
      };
    }
    const error = (answer?.response as { error?: { code?: string; message?: string } })?.error;
    return failed(i, answer?.status ?? 502, { code: error?.code ?? 'INTERNAL_ERROR', message: error?.message ?? 'no answer for this component' });
  });
}
