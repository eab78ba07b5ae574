/** registry-lite options: typed and defaulted once, misuse reported before anything starts. */
import path from 'node:path';
import type { Executor } from '../runtime/node/render.js';
import type { Logger } from '../runtime/node/sandbox/index.js';
import type { BreakerOptions } from '../runtime/node/sandbox/breaker.js';
import { DEFAULT_MAX_RESULT_BYTES, DEFAULT_TIMEOUT_MS } from '../runtime/node/sandbox/defaults.js';
import { resolveFetchPolicy, type FetchPolicyOptions } from '../runtime/node/sandbox/fetch-policy.js';
import { databaseFromUrl, describeDatabase, resolveDatabase, type DatabaseOption } from './metadata/open.js';
import { describeStorage, resolveStorage, storageFromUrl, type StorageOption } from './storage/open.js';
import type { AuthOptions } from './auth.js';
import { LOG_FORMATS, type LogFormat } from './log.js';

export interface RegistryOptions {
  /** Folder for the SQLite database and the filesystem store (default `.mikr0`). */
  dataDir?: string;
  /**
   * Metadata: a SQLite file or `:memory:`, `{ type: 'sqlite', options: { file } }`,
   * `{ type: 'memory' }`, `{ type: 'postgres', options: { connectionString, poolSize? } }`, or a
   * backend object. Without this option: env `MIKR0_DATABASE_URL` (a `postgres://` URL, or a
   * SQLite file), else SQLite on `<dataDir>/registry.db`. This option wins over the environment.
   */
  database?: DatabaseOption;
  /**
   * Where bundles are stored: `{ type: 'filesystem', options: { folder } }`, `{ type: 'memory' }`,
   * `{ type: 's3', options: { bucket, region, … } }`, `{ type: 'azure', options: { container, … } }`,
   * or a driver object. Without this option: env `MIKR0_STORAGE` (`s3://bucket/prefix?region=…`,
   * `azure://container/prefix`, a folder, `memory:`), else the filesystem on `<dataDir>/storage`.
   * This option wins over the environment.
   */
  storage?: StorageOption;
  /** npm packages and Node built-ins server code may `require` (default none; `true` allows all). */
  dependencies?: string[] | true;
  /** Folder whose node_modules allow-listed packages load from (default `process.cwd()`). */
  root?: string;
  /** Functions the registry provides to loaders and actions. */
  plugins?: Record<string, (...args: any[]) => unknown>;
  /** Admin credentials (default env MIKR0_ADMIN_USER / MIKR0_ADMIN_PASSWORD; none = tokens only). */
  auth?: AuthOptions;
  /** Origins allowed to call the public routes from a browser (default any). */
  cors?: { origins?: '*' | string[] };
  /** Public base URL used in `src` (default: from the request's Host header). */
  publicUrl?: string;
  /**
   * Base URL of the client files in render payloads and fragments, instead of
   * `<publicUrl or origin>/r/static`: `src` and `css` become `<staticUrl>/<name>/<version>/<file>`.
   * A CDN in front of this registry's `/r/static` (`https://cdn.example.com/r/static`), or a
   * public URL where ONLY client files are published. Never the storage bucket itself: it
   * holds server code too, which must never be public. An absolute http(s) URL, no query.
   */
  staticUrl?: string;
  /** Serve the playground at / (default true). */
  ui?: boolean;
  limits?: Partial<Limits>;
  /** Loader/action timeout in ms (default 5000). */
  timeout?: number;
  /** Sandbox processes (default: the number of cores, at least 2, at most 4). */
  processes?: number;
  /** @deprecated the old name of `processes`. */
  workers?: number;
  /** Compiled components kept per sandbox process (default 200; fewer when they fill half of `memoryLimitMb`: the least recently used idle ones go). */
  cacheSize?: number;
  /** Memory budget of each sandbox process in MB, JS heap plus ArrayBuffers (default 256). */
  memoryLimitMb?: number;
  /**
   * Where `fetch` in server code may go. Default: public hosts only (never loopback, private
   * or link-local addresses), 5 s, 5 MB. `{ allow: ['api.example.com', '*.corp.example', '10.1.0.0/16'] }`
   * lists the only hosts allowed; `false` turns fetch off.
   */
  fetch?: FetchPolicyOptions | false;
  /** When a version that keeps timing out or crashing is cut off (default: 3 failures in 60 s → 30 s). */
  breaker?: BreakerOptions;
  /** Where text lines go in the 'pretty' log format (default the console); called with `(message, fields?)`. */
  logger?: Logger;
  /**
   * 'pretty' (default): text lines through `logger`. 'json': one JSON object per line on stdout
   * (pino; `logger` is not used), a line per request too: `{ time, level, requestId, method,
   * path, status, duration, component?, msg: 'request' }`. Without this option: env `MIKR0_LOG_FORMAT`.
   */
  logFormat?: LogFormat;
  /**
   * Where server code runs instead of the sandbox processes (no process is started then).
   * `vite dev` runs the component under development through Vite's module runner this way.
   */
  executor?: Executor;
  /**
   * The client module of a component instead of its published `template.js`: an absolute URL,
   * or a path on the origin the registry answers from; `undefined` keeps the published one.
   * Its stylesheets are then the module's business. `vite dev` serves the entry being edited.
   */
  clientUrl?: (component: { name: string; version: string }) => string | undefined;
  /**
   * A registry to ask for components this one does not have (renders, actions, static files),
   * answered as the fallback answers, within `timeout` ms (default 5000). `vite dev` sets it
   * from `registryFallbackUrl`.
   */
  fallback?: { url: string; timeout?: number };
  /** Test-only: component code gets the real `process` (to prove the sandbox process has no rights). Never in production. */
  dangerouslyExposeProcessForTests?: boolean;
}

export interface Limits {
  /** Compressed size of a published archive (default 10 MB). */
  maxBundleBytes: number;
  /** Unpacked size of a published archive (default 50 MB). */
  maxUnpackedBytes: number;
  /** Files in a published archive (default 1000). */
  maxFiles: number;
  /** JSON request bodies: batch, actions (default 1 MB). */
  maxJsonBytes: number;
  /** Components in one batch request (default 100). */
  maxBatch: number;
  /** A loader's or action's result as JSON (default 10 MB). */
  maxResultBytes: number;
}

export type ResolvedOptions = ReturnType<typeof resolveOptions>;

export function resolveOptions(options: RegistryOptions, env: NodeJS.ProcessEnv = process.env) {
  const dataDir = path.resolve(options.dataDir ?? '.mikr0');
  const limits: Limits = {
    maxBundleBytes: 10 * 1024 * 1024,
    maxUnpackedBytes: 50 * 1024 * 1024,
    maxFiles: 1000,
    maxJsonBytes: 1024 * 1024,
    maxBatch: 100,
    maxResultBytes: DEFAULT_MAX_RESULT_BYTES,
  };
  for (const [key, value] of Object.entries(options.limits ?? {})) if (value !== undefined) limits[key as keyof Limits] = value;
  for (const [key, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value <= 0) throw new TypeError(`limits.${key} must be a positive integer, got ${value}`);
  }
  const dependencies = options.dependencies ?? [];
  if (dependencies !== true && (!Array.isArray(dependencies) || dependencies.some((d) => typeof d !== 'string'))) {
    throw new TypeError('dependencies must be an array of package names (e.g. ["react", "node:crypto"]) or true');
  }
  for (const [name, fn] of Object.entries(options.plugins ?? {})) {
    if (typeof fn !== 'function') throw new TypeError(`plugins.${name} must be a function`);
  }
  const origins = options.cors?.origins ?? '*';
  if (origins !== '*' && !Array.isArray(origins)) throw new TypeError('cors.origins must be "*" or an array of origins');
  let publicUrl = options.publicUrl?.replace(/\/+$/, '');
  if (publicUrl !== undefined && !/^https?:\/\/[^/]+/.test(publicUrl)) {
    throw new TypeError(`publicUrl must be an absolute http(s) URL such as https://registry.example.com, got "${publicUrl}"`);
  }
  const staticUrl = checkStaticUrl(options.staticUrl);
  const auth: AuthOptions = {
    username: options.auth?.username ?? env.MIKR0_ADMIN_USER,
    password: options.auth?.password ?? env.MIKR0_ADMIN_PASSWORD,
    maxFailures: options.auth?.maxFailures,
    windowMs: options.auth?.windowMs,
  };
  if (auth.username && !auth.password) {
    throw new TypeError('An admin user needs a password: set auth.password or MIKR0_ADMIN_PASSWORD (there is no default)');
  }
  // Explicit options win; the environment (twelve-factor) fills what they leave out.
  const fromEnv = {
    database: options.database === undefined && Boolean(env.MIKR0_DATABASE_URL),
    storage: options.storage === undefined && Boolean(env.MIKR0_STORAGE),
  };
  const databaseOption = fromEnv.database ? fromSetting('MIKR0_DATABASE_URL', () => databaseFromUrl(env.MIKR0_DATABASE_URL!)) : options.database;
  const storageOption = fromEnv.storage ? fromSetting('MIKR0_STORAGE', () => storageFromUrl(env.MIKR0_STORAGE!, env)) : options.storage;
  // Checked now, opened by the context: a wrong form stops the start with a message naming the fix.
  const database = fromSetting(fromEnv.database ? 'MIKR0_DATABASE_URL' : undefined, () => resolveDatabase(databaseOption, dataDir));
  return {
    dataDir,
    database,
    storage: resolveStorage(storageOption, dataDir),
    /** Where metadata and bundles live, for banners and logs: never a secret. */
    where: { database: describeDatabase(database), storage: describeStorage(storageOption, dataDir) },
    /** Which of database and storage came from the environment: start-up messages name the variable then. */
    fromEnv,
    dependencies,
    root: options.root ?? process.cwd(),
    plugins: options.plugins ?? {},
    auth,
    origins,
    publicUrl,
    staticUrl,
    ui: options.ui ?? true,
    limits,
    timeout: options.timeout ?? DEFAULT_TIMEOUT_MS,
    processes: options.processes ?? options.workers,
    // Checked now, so a bad allow entry stops the start with a message naming it.
    fetch: checkFetch(options.fetch),
    breaker: options.breaker,
    dangerouslyExposeProcessForTests: options.dangerouslyExposeProcessForTests === true,
    cacheSize: options.cacheSize,
    memoryLimitMb: options.memoryLimitMb,
    logger: options.logger,
    logFormat: options.logFormat !== undefined || !env.MIKR0_LOG_FORMAT
      ? checkLogFormat(options.logFormat)
      : fromSetting('MIKR0_LOG_FORMAT', () => checkLogFormat(env.MIKR0_LOG_FORMAT)),
    executor: options.executor,
    clientUrl: options.clientUrl,
    fallback: checkFallback(options.fallback),
  };
}

/** Runs `resolve`; a TypeError from a setting given in the environment names the variable. */
function fromSetting<T>(variable: string | undefined, resolve: () => T): T {
  try {
    return resolve();
  } catch (error) {
    if (variable && error instanceof TypeError) throw new TypeError(`${variable}: ${error.message}`);
    throw error;
  }
}

function checkStaticUrl(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const url = typeof value === 'string' && URL.canParse(value) ? new URL(value) : undefined;
  if (!url || !/^https?:$/.test(url.protocol) || url.search || url.hash || url.username || url.password) {
    throw new TypeError(
      `staticUrl must be an absolute http(s) URL without query or credentials, such as https://cdn.example.com/r/static, got ${url?.password ? 'a URL with a password' : JSON.stringify(value)}`,
    );
  }
  // Payloads append `/<name>/<version>/<file>`: one slash between, however the URL was written.
  return url.href.replace(/\/+$/, '');
}

function checkFallback(fallback: RegistryOptions['fallback']): { url: string; timeout: number } | undefined {
  if (fallback === undefined) return undefined;
  const url = fallback.url?.replace(/\/+$/, '');
  if (typeof url !== 'string' || !/^https?:\/\/[^/]+/.test(url)) {
    throw new TypeError(`fallback.url must be the absolute http(s) URL of a registry, such as https://registry.example.com, got "${fallback.url}"`);
  }
  const timeout = fallback.timeout ?? 5000;
  if (!Number.isInteger(timeout) || timeout <= 0) throw new TypeError(`fallback.timeout must be a positive number of milliseconds, got ${timeout}`);
  return { url, timeout };
}

function checkLogFormat(value: unknown): LogFormat {
  if (value === undefined) return 'pretty';
  if (LOG_FORMATS.includes(value as LogFormat)) return value as LogFormat;
  throw new TypeError(`logFormat must be ${LOG_FORMATS.map((f) => `"${f}"`).join(' or ')}, got ${JSON.stringify(value)}`);
}

function checkFetch(fetch: FetchPolicyOptions | false | undefined): FetchPolicyOptions | false | undefined {
  resolveFetchPolicy(fetch);
  return fetch;
}

/**
 * Every key of RegistryOptions, checked by the compiler both ways (a key added to the
 * interface and not here fails to build), so a config file's typo can be named.
 */
const optionKeys = {
  dataDir: true, database: true, storage: true, dependencies: true, root: true, plugins: true, auth: true,
  cors: true, publicUrl: true, staticUrl: true, ui: true, limits: true, timeout: true, processes: true, workers: true,
  cacheSize: true, memoryLimitMb: true, fetch: true, breaker: true, logger: true, logFormat: true, executor: true, clientUrl: true, fallback: true,
  dangerouslyExposeProcessForTests: true,
} satisfies Record<keyof RegistryOptions, true>;

export const registryOptionKeys = Object.keys(optionKeys) as (keyof RegistryOptions)[];
