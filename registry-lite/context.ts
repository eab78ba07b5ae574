/**
 * Everything the middlewares share, built once when the registry is created: metadata,
 * storage, where server code runs, render core, auth, metrics. Each middleware declares the
 * part it uses (`Pick<RegistryContext, ...>`).
 */
import { LRUCache } from 'lru-cache';
import { createRenderCore, type Executor, type RenderCore, type RenderTarget } from '../runtime/node/render.js';
import { createSandbox, type Logger, type Sandbox } from '../runtime/node/sandbox/index.js';
import { badRequest, createError, isMikr0Error, notFound } from '../runtime/shared/errors.js';
import { createAuth, type Auth } from './auth.js';
import type { Audit, Components, Tokens, Usage, VersionRecord } from './metadata/index.js';
import { openDatabase } from './metadata/open.js';
import { createLog } from './log.js';
import { createMetrics, type Metrics } from './metrics.js';
import type { ResolvedOptions } from './options.js';
import type { StorageDriver } from './storage/types.js';
import type { Req } from './http.js';

export interface RegistryContext {
  options: ResolvedOptions;
  components: Components;
  tokens: Tokens;
  audit: Audit;
  /** Renders and action calls per version per day (counted in memory, flushed every few seconds). */
  usage: Usage;
  storage: StorageDriver;
  /** The sandbox processes; null when the `executor` option runs server code instead. */
  sandbox: Sandbox | null;
  core: RenderCore;
  auth: Auth;
  metrics: Metrics;
  logger: Logger;
  /** Hot client files, by storage key. */
  staticFiles: LRUCache<string, Uint8Array>;
  /** The published version a request means, or a 400/404 (410 for an unpublished one) that says why not. */
  resolve(name: string | null, range: string): Promise<VersionRecord>;
  /** Counts a render of a version (usage statistics, metrics). */
  rendered(record: VersionRecord): void;
  /** What the render path needs of a version, its URLs based where the request came in. */
  target(record: VersionRecord, req: Req): RenderTarget;
  /** The registry's root URL as the client reached it (or `publicUrl`). */
  origin(req: Req): string;
  /**
   * Whether the database and the storage answer, within `ms`: resolves, or rejects with one
   * line naming the setting to fix. `start` waits for the database to be ready (connected,
   * migrated) rather than only pinging it.
   */
  checks: { database(ms: number, start?: boolean): Promise<void>; storage(ms: number): Promise<void> };
  close(): Promise<void>;
}

/**
 * V8's code cache of a version's server code, per V8 version (V8 accepts no other). Outside
 * every bundle's prefix: a bundle file must never land where the sandbox reads a code cache
 * (V8's deserializer is not built for hostile input). No package name starts with "_".
 */
export function codeCacheKey(record: VersionRecord): string {
  return `_v8-cache/${record.prefix}/${record.manifest.server}.v8-${process.versions.v8}.cache`;
}

export function createRegistryContext(options: ResolvedOptions): RegistryContext {
  const log = createLog(options.logFormat, options.logger);
  const logger = log.logger;
  const metadata = openDatabase(options.database, {
    usage: { onError: (error) => logger.warn(`mikr0: usage counts could not be saved, kept for the next try: ${(error as Error)?.message ?? error}`) },
  });
  const { components, tokens, audit, usage } = metadata;
  const storage = unavailableAs503(options.storage);
  const metrics = createMetrics();

  const sandbox = options.executor ? null : createSandbox({
    loadSource: async (name, version) => {
      const record = await components.get(name, version);
      if (!record) throw new Error(`${name}@${version} is not published`);
      // A component without server code is an empty module: data null, no actions.
      if (!record.manifest.server) return 'module.exports = {};';
      const bytes = await storage.getItemRaw(`${record.prefix}/${record.manifest.server}`);
      if (!bytes) throw new Error(`the server code of ${name}@${version} is missing from storage`);
      return Buffer.from(bytes).toString('utf8');
    },
    // Private files of the registry (never served: /r/static serves only a bundle's client files).
    codeCache: {
      load: async (name, version) => {
        const record = await components.get(name, version);
        return record?.manifest.server ? storage.getItemRaw(codeCacheKey(record)) : null;
      },
      save: async (name, version, data) => {
        const record = await components.get(name, version);
        if (record?.manifest.server) await storage.setItemRaw(codeCacheKey(record), data);
      },
    },
    dependencies: options.dependencies,
    root: options.root,
    plugins: options.plugins,
    timeout: options.timeout,
    processes: options.processes,
    fetch: options.fetch,
    breaker: options.breaker,
    dangerouslyExposeProcessForTests: options.dangerouslyExposeProcessForTests,
    maxResultBytes: options.limits.maxResultBytes,
    cacheSize: options.cacheSize,
    memoryLimitMb: options.memoryLimitMb,
    logger,
  });
  const executor: Executor = options.executor ?? sandbox!;

  /** The published version a request means, or a 400/404 that says why not. */
  async function resolve(name: string | null, range: string): Promise<VersionRecord> {
    if (!name) throw badRequest('The URL needs a component name: /r/component/<name>/<version>');
    const record = await components.resolve(name, range);
    if (record === undefined) {
      throw badRequest(`"${range}" is not a version or a semver range (try 1.2.3, 1.x or ^1.2.0)`);
    }
    if (record === null) {
      const known = await components.has(name);
      throw notFound(known ? `${name} has no version matching "${range || 'latest'}"` : `Component "${name}" not found`);
    }
    if (record.unpublishedAt !== null) throw gone(record);
    return record;
  }

  /** The base of URLs in payloads: the configured public URL, or what the client called. */
  function baseUrl(req: Req): string {
    if (options.publicUrl) return options.publicUrl;
    const host = req.headers.host;
    if (!host) throw createError({ status: 400, code: 'BAD_REQUEST', message: 'The request has no Host header' });
    return `http://${host}`;
  }

  function target(record: VersionRecord, req: Req): RenderTarget {
    const origin = baseUrl(req);
    const own = options.clientUrl?.({ name: record.name, version: record.version });
    if (own !== undefined) {
      return { name: record.name, version: record.version, parameters: record.manifest.parameters, src: new URL(own, origin).href, css: [] };
    }
    // Client files only, ever: server code is never under /r/static nor wherever staticUrl points.
    const base = `${options.staticUrl ?? `${origin}/r/static`}/${record.name}/${record.version}/`;
    return {
      name: record.name,
      version: record.version,
      parameters: record.manifest.parameters,
      src: base + record.manifest.template,
      css: record.manifest.css.map((file) => base + file),
      staticUrl: base,
    };
  }

  return {
    options,
    components,
    tokens,
    audit,
    usage,
    storage,
    sandbox,
    core: createRenderCore(executor),
    auth: createAuth(tokens, audit, options.auth, logger),
    metrics,
    logger,
    // Hot client files stay in memory; versions are immutable, so entries never go stale.
    staticFiles: new LRUCache<string, Uint8Array>({ maxSize: 64 * 1024 * 1024, sizeCalculation: (v) => v.length || 1 }),
    resolve,
    rendered(record) {
      usage.rendered(record.name, record.version);
      metrics.rendered(record.name);
    },
    target,
    origin: baseUrl,
    checks: {
      database: (ms, start) => within(start ? metadata.check() : components.ping(), ms, 'the database'),
      storage: (ms) => within(storage.check?.(), ms, `the storage (${storage.name})`),
    },
    async close() {
      await sandbox?.close();
      await storage.dispose?.();
      await metadata.close();
      // Last: lines logged while closing are written too.
      log.flush();
    },
  };
}

/** 410 Gone for a version that was unpublished: it will not come back. */
export function gone(record: VersionRecord) {
  const on = new Date(record.unpublishedAt!).toISOString();
  return createError({
    status: 410,
    code: 'GONE',
    message: `${record.name}@${record.version} was unpublished on ${on}: use another version (see mikr0 info ${record.name})`,
  });
}

/**
 * The driver with every data call's failure as a 503 UNAVAILABLE naming the storage, in one
 * line: a store that went away is the registry's trouble, not the request's (a 500 "Internal
 * error" would hide it). `check` and `dispose` as they are.
 */
function unavailableAs503(driver: StorageDriver): StorageDriver {
  const guard = <A extends unknown[], R>(call: (...args: A) => Promise<R>) => async (...args: A): Promise<R> => {
    try {
      return await call(...args);
    } catch (error) {
      if (isMikr0Error(error)) throw error;
      const line = String((error as Error)?.message ?? error).split('\n')[0];
      const message = `The registry's storage (${driver.name}) is unavailable: ${line}`;
      throw createError({ status: 503, code: 'UNAVAILABLE', message, headers: { 'Retry-After': '5' }, cause: error });
    }
  };
  return {
    name: driver.name,
    hasItem: guard((key: string) => driver.hasItem(key)),
    getItemRaw: guard((key: string) => driver.getItemRaw(key)),
    setItemRaw: guard((key: string, value: Uint8Array) => driver.setItemRaw(key, value)),
    removeItem: guard((key: string) => driver.removeItem(key)),
    getKeys: guard((base?: string) => driver.getKeys(base)),
    check: driver.check && (() => driver.check!()),
    dispose: driver.dispose && (() => driver.dispose!()),
  };
}

/** `check`, or a rejection saying `what` did not answer within `ms`. */
function within(check: Promise<void> | undefined, ms: number, what: string): Promise<void> {
  if (!check) return Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([check, late]).finally(() => clearTimeout(timer));
}
