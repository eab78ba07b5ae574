/**
 * Everything the middlewares share, built once when the registry is created: metadata,
 * storage, where server code runs, render core, auth, metrics. Each middleware declares the
 * part it uses (`Pick<RegistryContext, ...>`).
 */
import { LRUCache } from 'lru-cache';
import { createRenderCore, type Executor, type RenderCore, type RenderTarget } from '../runtime/node/render.js';
import { createSandbox, type Logger, type Sandbox } from '../runtime/node/sandbox/index.js';
import { badRequest, createError, notFound } from '../runtime/shared/errors.js';
import { createAuth, type Auth } from './auth.js';
import { createMetadata, type Components, type Tokens, type VersionRecord } from './metadata/index.js';
import { openBackend } from './metadata/open.js';
import { createMetrics, type Metrics } from './metrics.js';
import type { ResolvedOptions } from './options.js';
import type { StorageDriver } from './storage/types.js';
import type { Req } from './http.js';

export interface RegistryContext {
  options: ResolvedOptions;
  components: Components;
  tokens: Tokens;
  storage: StorageDriver;
  /** The sandbox processes; null when the `executor` option runs server code instead. */
  sandbox: Sandbox | null;
  core: RenderCore;
  auth: Auth;
  metrics: Metrics;
  logger: Logger;
  /** Hot client files, by storage key. */
  staticFiles: LRUCache<string, Uint8Array>;
  /** The published version a request means, or a 400/404 that says why not. */
  resolve(name: string | null, range: string): Promise<VersionRecord>;
  /** What the render path needs of a version, its URLs based where the request came in. */
  target(record: VersionRecord, req: Req): RenderTarget;
  /** The registry's root URL as the client reached it (or `publicUrl`). */
  origin(req: Req): string;
  close(): Promise<void>;
}

/**
 * V8's code cache of a version's server code, per V8 version (V8 accepts no other). Outside
 * every bundle's prefix: a bundle file must never land where the sandbox reads a code cache
 * (V8's deserializer is not built for hostile input). No package name starts with "_".
 */
function codeCacheKey(record: VersionRecord): string {
  return `_v8-cache/${record.prefix}/${record.manifest.server}.v8-${process.versions.v8}.cache`;
}

export function createRegistryContext(options: ResolvedOptions): RegistryContext {
  const metadata = createMetadata(openBackend(options.database));
  const { components, tokens } = metadata;
  const storage = options.storage;
  const logger = options.logger;

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
    const base = `${origin}/r/static/${record.name}/${record.version}/`;
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
    storage,
    sandbox,
    core: createRenderCore(executor),
    auth: createAuth(tokens, options.auth),
    metrics: createMetrics(),
    logger,
    // Hot client files stay in memory; versions are immutable, so entries never go stale.
    staticFiles: new LRUCache<string, Uint8Array>({ maxSize: 64 * 1024 * 1024, sizeCalculation: (v) => v.length || 1 }),
    resolve,
    target,
    origin: baseUrl,
    async close() {
      await sandbox?.close();
      await storage.dispose?.();
      await metadata.close();
    },
  };
}
