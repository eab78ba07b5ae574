/**
 * The CLI's one way to talk to a registry: resolves the URL and credentials, and turns every
 * failure (down, slow, error envelope) into a `cliError` whose message says what to do.
 */
import { errorFromEnvelope } from '../runtime/shared/errors.js';
import { cliError } from './output.js';

export const DEFAULT_REGISTRY = 'http://127.0.0.1:4910';
const DEFAULT_TIMEOUT_MS = 30_000;

/** `--registry`, else MIKR0_REGISTRY, else the local default; no trailing slash. */
export function registryUrl(flag?: string): string {
  const raw = flag || process.env.MIKR0_REGISTRY || DEFAULT_REGISTRY;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw cliError(`"${raw}" is not a registry URL`, 'use something like --registry http://127.0.0.1:4910');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw cliError(`"${raw}" is not an http(s) URL`, 'use something like --registry https://registry.example.com');
  }
  return url.href.replace(/\/+$/, '');
}

export interface Credentials {
  token?: string;
  user?: string;
  password?: string;
}

/**
 * The Authorization header from flags, then the environment. Flags win as a whole, so
 * `--user` on the command line is not silently overridden by a MIKR0_TOKEN in the shell.
 */
export function authorization(flags: Credentials): string | undefined {
  const env = process.env;
  if (flags.token) return `Bearer ${flags.token}`;
  if (flags.user) return basic(flags.user, flags.password ?? env.MIKR0_PASSWORD);
  if (env.MIKR0_TOKEN) return `Bearer ${env.MIKR0_TOKEN}`;
  if (env.MIKR0_USER) return basic(env.MIKR0_USER, flags.password ?? env.MIKR0_PASSWORD);
  return undefined;
}

function basic(user: string, password: string | undefined): string {
  if (!password) throw cliError(`no password for user "${user}"`, 'pass --password or set MIKR0_PASSWORD');
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** `@scope/name` stays two path segments; each part is escaped on its own. */
export const namePath = (name: string) => name.split('/').map(encodeURIComponent).join('/');

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: RequestInit['body'];
  /** JSON to send (sets the content type). */
  json?: unknown;
  timeoutMs?: number;
  /** Extra advice per HTTP status, appended to the registry's own message. */
  hints?: Record<number, string>;
}

export interface Response<T> {
  status: number;
  body: T;
}

export function createClient(registry: string) {
  return {
    url: registry,
    async request<T = unknown>(path: string, options: RequestOptions = {}): Promise<Response<T>> {
      const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
      const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
      let body = options.body;
      if (options.json !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(options.json);
      }
      let res: globalThis.Response;
      let text: string;
      try {
        res = await fetch(registry + path, {
          method: options.method ?? 'GET',
          headers,
          body,
          // Needed for a streamed (ReadableStream) body; harmless for others.
          ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
          signal: AbortSignal.timeout(timeoutMs),
        } as RequestInit);
        text = await res.text();
      } catch (error) {
        throw networkError(registry, error, timeoutMs);
      }
      const parsed = parse(text);
      if (res.ok) return { status: res.status, body: parsed as T };
      throw cliError(envelopeMessage(res.status, parsed, text), options.hints?.[res.status], res.status);
    },
  };
}

export type Client = ReturnType<typeof createClient>;

function parse(text: string): unknown {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return undefined;
  }
}

/** The envelope's message plus one line per detail; non-JSON answers (a proxy's HTML) by status. */
function envelopeMessage(status: number, parsed: unknown, text: string): string {
  const snippet = text.trim().slice(0, 200);
  const error = errorFromEnvelope(status, parsed, `the registry answered ${status}${snippet ? `: ${snippet}` : ''}`);
  const details = (error.details ?? []).map((detail) => `  - ${detail.path ? `${detail.path}: ` : ''}${detail.message}`);
  return [error.message, ...details].join('\n');
}

function networkError(registry: string, error: unknown, timeoutMs: number) {
  const name = (error as Error)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return cliError(
      `the registry at ${registry} did not answer within ${Math.round(timeoutMs / 1000)}s`,
      'check that it is healthy (GET /health) and try again',
    );
  }
  // fetch hides the reason in `cause` (ECONNREFUSED, ENOTFOUND, ...); show it for the curious.
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const reason = cause?.code ?? cause?.message ?? (error as Error)?.message;
  return cliError(
    `cannot reach the registry at ${registry}: is it running? (start one with: mikr0 registry)`,
    reason ? `(${reason}; set another URL with --registry or MIKR0_REGISTRY)` : undefined,
  );
}
