/**
 * The CLI's one way to talk to a registry: resolves the URL and credentials, and turns every
 * failure (down, slow, error envelope) into a `cliError` whose message says what to do.
 */
import { errorFromEnvelope } from '../runtime/shared/errors.js';
import { cliError, note } from './output.js';
import { earlyAnswer, isHangup, send, type Answer } from './send.js';

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
  const base = url.href.replace(/\/+$/, '');
  // The registry's routes live under /r; a URL that already ends in it would ask for /r/r/...
  // It is clear what was meant, so take it, and say so once.
  if (/\/r$/.test(url.pathname.replace(/\/+$/, ''))) {
    const stripped = base.replace(/\/r$/, '');
    note(`note: using ${stripped}: a registry URL is its base, without the trailing /r (the commands add it)`);
    return stripped;
  }
  return base;
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

/**
 * The Authorization header for a route only an admin may use (tokens, audit, unpublish), or an
 * error naming both ways to be one: asked for before any request, as a missing one is a sure 401.
 */
export function adminAuthorization(flags: Credentials, doing: string): string {
  const auth = authorization(flags);
  if (!auth) throw cliError(`no credentials: ${doing} needs the admin scope`, ADMIN_CREDENTIALS);
  return auth;
}

const ADMIN_CREDENTIALS =
  'pass an admin --token (or MIKR0_TOKEN; create one on the registry\'s machine with: mikr0 token create --scope admin), or --user and --password of the registry admin';

/** What to do about a 401 or 403 from an admin route, for the credentials that were sent. */
export function adminHints(auth: string): Record<number, string> {
  return {
    401: auth.startsWith('Basic')
      ? 'check --user and --password (or MIKR0_USER and MIKR0_PASSWORD), or pass an admin --token instead'
      : 'pass a valid admin --token or set MIKR0_TOKEN (create one with: mikr0 token create --scope admin)',
    403: 'this needs the "admin" scope, which this token lacks: use an admin token (mikr0 token create --scope admin) or the admin user (--user, --password)',
    429: 'too many failed attempts: wait, then retry with valid credentials',
  };
}

/** `@scope/name` stays two path segments; each part is escaped on its own. */
export const namePath = (name: string) => name.split('/').map(encodeURIComponent).join('/');

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Upload progress: (bytes the socket took, total). */
  onProgress?: (done: number, total: number) => void;
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
      let answer: Answer;
      try {
        answer = await send(registry + path, { method: options.method ?? 'GET', headers, body, timeoutMs, onProgress: options.onProgress });
      } catch (error) {
        // Cut off mid-upload: the registry most likely refused it (too big, credentials); learn why.
        const length = typeof body === 'string' ? Buffer.byteLength(body) : (body?.length ?? 0);
        const early = length > 0 && isHangup(error) ? await earlyAnswer(registry + path, { method: options.method ?? 'GET', headers, length, timeoutMs: HANGUP_TIMEOUT_MS }) : null;
        if (!early) throw networkError(registry, error, timeoutMs);
        answer = early;
      }
      const { status, text } = answer;
      const parsed = parse(text);
      if (!looksLikeRegistry(answer, parsed)) throw notARegistry(registry, answer);
      if (ok(status)) return { status, body: parsed as T };
      // Still under /r after dropping one (".../r/r"): every route is a 404 "No route for GET /r/r/...".
      const doubled = status === 404 && /\/r$/.test(new URL(registry).pathname);
      const hint = doubled ? `drop the /r from the end of ${registry} in --registry (or MIKR0_REGISTRY)` : options.hints?.[status];
      throw cliError(envelopeMessage(status, parsed, text), hint, status, envelopeCode(parsed));
    },
    /**
     * Whether anything answers at the URL, before work that would be wasted (packing, uploading):
     * a refused connection or a server that is not a registry fails here. Any JSON answer passes,
     * the real request reports the rest.
     */
    async probe(): Promise<void> {
      let answer: Answer;
      try {
        // A registry route (not /health, which an app embedding registry-lite may not mount); cheap.
        answer = await send(`${registry}/r/components?per_page=1`, { method: 'GET', headers: { accept: 'application/json' }, timeoutMs: PROBE_TIMEOUT_MS });
      } catch (error) {
        throw networkError(registry, error, PROBE_TIMEOUT_MS);
      }
      if (parse(answer.text) === undefined) throw notARegistry(registry, answer);
    },
  };
}

const PROBE_TIMEOUT_MS = 10_000;
/** How long a registry that hung up on an upload gets to say why, from the headers alone. */
const HANGUP_TIMEOUT_MS = 5_000;

const ok = (status: number) => status >= 200 && status < 300;

/**
 * registry-lite answers JSON, errors in its `{ error: { code, message } }` envelope. A 2xx that
 * is not JSON, or an error without the envelope, comes from something else at that URL.
 */
function looksLikeRegistry(answer: Answer, parsed: unknown): boolean {
  if (ok(answer.status)) return parsed !== undefined;
  const error = (parsed as { error?: { message?: unknown } } | null | undefined)?.error;
  return typeof error?.message === 'string';
}

function notARegistry(registry: string, res: Answer) {
  const type = res.contentType?.split(';')[0];
  const snippet = res.text.replace(/\s+/g, ' ').trim().slice(0, 120);
  const answered = `${res.status}${res.statusText ? ` ${res.statusText}` : ''}${type ? `, ${type}` : ''}${snippet ? `: ${snippet}` : ''}`;
  // What a proxy in front of a registry answers by itself: name the proxy, not the URL.
  if (res.status === 413 || (res.status >= 502 && res.status <= 504)) {
    return cliError(
      `${registry} answered ${answered}, which is not a mikr0 registry's error: a proxy in front of the registry answered`,
      res.status === 413
        ? "raise the proxy's request body limit (e.g. nginx client_max_body_size)"
        : 'check that the registry behind the proxy runs, and that --registry (or MIKR0_REGISTRY) is right',
      res.status,
    );
  }
  return cliError(
    `the server at ${registry} does not look like a mikr0 registry (it answered ${answered})`,
    'check --registry (or MIKR0_REGISTRY): use the URL `mikr0 registry` prints, e.g. http://127.0.0.1:4910',
    res.status,
  );
}

export type Client = ReturnType<typeof createClient>;

function parse(text: string): unknown {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return undefined;
  }
}

/** The envelope's code, for a command that answers one 409 differently from another. */
function envelopeCode(parsed: unknown): string | undefined {
  const code = (parsed as { error?: { code?: unknown } } | null | undefined)?.error?.code;
  return typeof code === 'string' ? code : undefined;
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
  // The socket's reason (ECONNREFUSED, ENOTFOUND, ...), for the curious.
  const reason = (error as NodeJS.ErrnoException)?.code ?? (error as Error)?.message;
  return cliError(
    `cannot reach the registry at ${registry}: is it running? (start one with: mikr0 registry)`,
    reason ? `(${reason}; set another URL with --registry or MIKR0_REGISTRY)` : undefined,
  );
}
