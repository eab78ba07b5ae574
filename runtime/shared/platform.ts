/**
 * The few web-platform APIs shared code uses. Browsers and Node (≥ 18) both have them, but
 * their typings come from the DOM lib or @types/node, and shared code may see neither: it
 * must run in both. So they are declared here by the shape this code needs; at run time
 * they are the host's own globals, looked up on each call (tests may replace `fetch`).
 */

export interface FetchInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: unknown;
}

export interface FetchResponse {
  ok: boolean;
  status: number;
  json(): Promise<unknown>;
}

export interface UrlParts {
  origin: string;
  pathname: string;
}

interface Platform {
  fetch(url: string, init?: FetchInit): Promise<FetchResponse>;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  AbortController: new () => { signal: { aborted: boolean }; abort(): void };
  URL: new (url: string, base?: string) => UrlParts & { href: string };
}

export const platform = globalThis as unknown as Platform;

/**
 * The DOM element type where the program has the DOM lib (a component's client code), and a
 * plain object elsewhere (server code, the registry) — so the component contract can name
 * the element `mount` gets without shared code depending on the DOM.
 */
export type HostElement = typeof globalThis extends { HTMLElement: { prototype: infer E } } ? E : object;
