/**
 * The registry the playground is served from, over its JSON API (CONTRACT §5). The root is
 * the page's folder, so the app works wherever the registry is mounted.
 */

export type ParameterType = 'string' | 'number' | 'boolean';

export interface ParameterDefinition {
  type: ParameterType;
  mandatory?: boolean;
  default?: string | number | boolean;
  example?: string | number | boolean;
  description?: string;
  enum?: Array<string | number | boolean>;
}

export type ParametersSchema = Record<string, ParameterDefinition>;

export interface ComponentSummary {
  name: string;
  latest: string | null;
  description: string | null;
  versions: string[];
  publishedAt: string;
}

export interface ComponentList {
  components: ComponentSummary[];
  total: number;
  page: number;
  per_page: number;
}

export interface FileInfo {
  size: number;
  gzip: number;
  integrity: string;
}

export interface VersionDetail {
  version: string;
  description: string | null;
  publishedAt: string;
  deprecated: string | null;
  parameters: ParametersSchema;
  files: Record<string, FileInfo>;
  serverSize: number;
  actions: string[];
  plugins: string[];
  dependencies: string[];
}

export interface ComponentDetail {
  name: string;
  description: string | null;
  latest: string | null;
  versions: VersionDetail[];
}

export interface ErrorDetail {
  path: string;
  message: string;
}

/** The registry's error envelope as a thrown value (status 0 = the network failed). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** `https://host/prefix` for a page at `https://host/prefix/` or `.../prefix/index.html`. */
export function registryRoot(baseURI = document.baseURI): string {
  return new URL('.', baseURI).href.replace(/\/$/, '');
}

export function createApi(root: string) {
  async function get<T>(path: string, signal?: AbortSignal): Promise<T> {
    let response: Response;
    try {
      response = await fetch(root + path, { headers: { Accept: 'application/json' }, signal });
    } catch (error) {
      if ((error as Error)?.name === 'AbortError') throw error;
      throw new ApiError(0, 'NETWORK_ERROR', `Could not reach the registry at ${root}`);
    }
    const body = (await response.json().catch(() => null)) as { error?: { code?: string; message?: string; details?: ErrorDetail[] } } | null;
    if (!response.ok) {
      const error = body?.error;
      throw new ApiError(response.status, error?.code ?? `HTTP_${response.status}`, error?.message ?? response.statusText, error?.details);
    }
    return body as T;
  }

  return {
    root,
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
