/**
 * The registry the playground is served from, over its JSON API (CONTRACT §5). The root is
 * the page's folder, so the app works wherever the registry is mounted.
 */

import type { ComponentDetail, ComponentList } from '../../runtime/shared/api.js';
import { createError, errorFromEnvelope } from '../../runtime/shared/errors.js';

export type { ParameterDefinition, ParametersSchema, ParameterType } from '../../runtime/shared/component.js';
export type { ComponentDetail, ComponentList, ComponentSummary, FileInfo, VersionDetail } from '../../runtime/shared/api.js';
export type { ErrorDetail } from '../../runtime/shared/errors.js';
export { isMikr0Error } from '../../runtime/shared/errors.js';

/**
 * `https://host/prefix` for a page at `https://host/prefix/` or `.../prefix/index.html`; a page
 * served elsewhere (vite dev's /__mikr0/) names its registry in `<meta name="mikr0-registry">`.
 */
export function registryRoot(baseURI = document.baseURI): string {
  const announced = document.querySelector<HTMLMetaElement>('meta[name="mikr0-registry"]')?.content;
  return new URL(announced ?? '.', baseURI).href.replace(/\/$/, '');
}

export interface RequestOptions {
  method?: string;
  /** Sent as JSON. */
  body?: unknown;
  /** The `Authorization` header (admin calls). */
  authorization?: string;
  signal?: AbortSignal;
}

export function createApi(root: string) {
  /** One call to the registry: its JSON answer, or a Mikr0Error carrying the envelope's message. */
  async function request<T>(path: string, { method = 'GET', body, authorization, signal }: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (authorization) headers.Authorization = authorization;
    let response: Response;
    try {
      // `omit`: a 401 (the registry challenges with Basic) must reach this code, not open the browser's sign-in dialog.
      const credentials = authorization ? 'omit' : 'same-origin';
      response = await fetch(root + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials, signal });
    } catch (error) {
      if ((error as Error)?.name === 'AbortError') throw error;
      throw createError({ status: 0, code: 'NETWORK_ERROR', message: `Could not reach the registry at ${root}`, cause: error });
    }
    const answer: unknown = await response.json().catch(() => null);
    if (!response.ok) throw errorFromEnvelope(response.status, answer, `${root}${path} answered HTTP ${response.status} ${response.statusText}`);
    return answer as T;
  }
  const get = <T>(path: string, signal?: AbortSignal) => request<T>(path, { signal });

  return {
    root,
    request,
    list(q: string, page: number, perPage: number, signal?: AbortSignal): Promise<ComponentList> {
      const query = new URLSearchParams({ q, page: String(page), per_page: String(perPage) });
      return get(`/r/components?${query}`, signal);
    },
    detail(name: string): Promise<ComponentDetail> {
      return get(`/r/components/${encodeURIComponent(name)}`);
    },
    /** The render URL a backend would call: what the curl snippet shows. */
    renderUrl(name: string, version: string, parameters: Record<string, string>): string {
      const query = new URLSearchParams(parameters).toString();
      return `${root}/r/component/${encodeURIComponent(name)}/${encodeURIComponent(version)}${query ? `?${query}` : ''}`;
    },
  };
}

export type Api = ReturnType<typeof createApi>;
