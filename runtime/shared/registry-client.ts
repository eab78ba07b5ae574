/**
 * Talking to a registry over HTTP from anywhere `fetch` exists (browsers, Node): the render
 * and action calls that the browser runtime, `window.mikr0.getAction` and `serverClient`
 * share. Failures become Mikr0Errors carrying the envelope's status, code and details.
 */
import { createError, errorFromEnvelope } from './errors.js';
import { platform, type FetchInit, type FetchResponse, type UrlParts } from './platform.js';

/** Where a component lives: `baseUrl` is the registry's `/r` base, e.g. `https://registry.example.com/r`. */
export interface ComponentTarget {
  baseUrl: string;
  name: string;
  version: string;
  /** Milliseconds an action call may take before it fails with TIMEOUT (default 10 000). */
  timeout?: number;
}

/** How long a render or action request may take, retries included, before it fails with TIMEOUT. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

export interface RequestOptions {
  /** More attempts for network errors and 5xx (default 1). */
  retries?: number;
  backoff?: number;
  /** The whole request's deadline in ms, retries included (default 10 000). */
  timeout?: number;
}

/**
 * The root of the registry a URL belongs to, found by the registry route in its path:
 * `https://cdn.example.com/mikr0/r/static/x/1.0.0/template.js` with `/r/static/` →
 * `https://cdn.example.com/mikr0`. Null when the path has no such route.
 */
export function registryRoot(url: UrlParts, route: string): string | null {
  const at = url.pathname.indexOf(route);
  return at < 0 ? null : url.origin + url.pathname.slice(0, at);
}

/** The `<name>/<version>` part of a registry URL (a scoped name is one segment: %40scope%2Fname). */
export const componentPath = (name: string, version: string) => `${encodeURIComponent(name)}/${encodeURIComponent(version)}`;

/** Calls `action` of a component: POST /r/action/:name/:version → the action's `data`. */
export async function callAction(target: ComponentTarget, action: string, input?: unknown): Promise<any> {
  const url = `${target.baseUrl}/action/${componentPath(target.name, target.version)}`;
  const init = { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ action, input }) };
  const { body } = await requestJson(url, init, { retries: 0, timeout: target.timeout });
  return body?.data;
}

/**
 * fetch + JSON with the registry's error envelope. `retries` more attempts, with backoff, for
 * network errors and 5xx (never for 4xx: the same request would fail the same way), all
 * within `timeout`: a registry that accepts the connection and never answers is a TIMEOUT.
 */
export async function requestJson(url: string, init: FetchInit = {}, options: RequestOptions = {}): Promise<{ body: any; status: number }> {
  const controller = new platform.AbortController();
  const work = attempts(url, { ...init, signal: controller.signal }, options.retries ?? 1, options.backoff ?? 250, controller.signal);
  return withDeadline(work, options.timeout ?? DEFAULT_REQUEST_TIMEOUT_MS, `${url} did not answer`, () => controller.abort());
}

/** `work`, or a TIMEOUT error (`<what> within <ms> ms`) once `ms` have passed; `onTimeout` then stops what is left. */
export function withDeadline<T>(work: Promise<T>, ms: number, what: string, onTimeout?: () => void): Promise<T> {
  let timer: unknown;
  const late = new Promise<never>((_, reject) => {
    timer = platform.setTimeout(() => {
      onTimeout?.();
      reject(createError({ status: 0, code: 'TIMEOUT', message: `${what} within ${ms} ms` }));
    }, ms);
  });
  return Promise.race([work, late]).finally(() => platform.clearTimeout(timer));
}

async function attempts(url: string, init: FetchInit, retries: number, backoff: number, signal: { aborted: boolean }): Promise<{ body: any; status: number }> {
  for (let attempt = 0; ; attempt++) {
    let response: FetchResponse;
    try {
      response = await platform.fetch(url, init);
    } catch (cause) {
      if (attempt < retries && !signal.aborted) {
        await sleep(backoff * 2 ** attempt);
        continue;
      }
      throw createError({ status: 0, code: 'NETWORK_ERROR', message: `Could not reach ${url}: ${(cause as Error)?.message ?? cause}`, cause });
    }
    if (response.status >= 500 && attempt < retries && !signal.aborted) {
      await sleep(backoff * 2 ** attempt);
      continue;
    }
    const body = await response.json().catch(() => undefined);
    if (!response.ok) throw errorFromEnvelope(response.status, body, `${url} answered HTTP ${response.status}`);
    return { body, status: response.status };
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => platform.setTimeout(resolve, ms));
