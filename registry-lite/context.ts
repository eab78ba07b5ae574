/**
 * Everything the middlewares share, built once when the registry is created: database,
 * stores, storage, sandbox, render core, auth, metrics.
 */
import path from 'node:path';
import { LRUCache } from 'lru-cache';
import { createRenderCore, type RenderCore, type RenderTarget } from '../runtime/node/render.js';
import { createSandbox } from '../runtime/node/sandbox/index.js';
import { badRequest, createError, notFound } from '../runtime/shared/errors.js';
import { createAuth } from './auth.js';
import { openDatabase } from './metadata/database.js';
import { createComponentStore, type VersionRecord } from './metadata/components.js';
import { createTokenStore } from './metadata/tokens.js';
import { createMetrics } from './metrics.js';
import { filesystemDriver } from './storage/drivers/filesystem.js';
import type { ResolvedOptions } from './options.js';
import type { Req } from './http.js';

/** How the dev server changes the registry: where server code runs and where client code is served. */
export interface ContextOverrides {
  core?: (base: RenderCore) => RenderCore;
  target?: (record: VersionRecord, req: Req, base: RenderTarget) => RenderTarget;
}

/**
 * V8's code cache of a version's server code, per V8 version (V8 accepts no other). Outside
 * every bundle's prefix: a bundle file must never land where the sandbox reads a code cache
 * (V8's deserializer is not built for hostile input). No package name starts with "_".
 */
function codeCacheKey(record: VersionRecord): string {
  return `_v8-cache/${record.prefix}/${record.manifest.server}.v8-${process.versions.v8}.cache`;
}

export function createRegistryContext(options: ResolvedOptions, overrides: ContextOverrides = {}) {
  const db = openDatabase(options.database);
  const components = createComponentStore(db);
  const tokens = createTokenStore(db);
  const storage = options.storage ?? filesystemDriver({ base: path.join(options.dataDir, 'storage') });
  const logger = options.logger;

  const sandbox = createSandbox({
    loadSource: async (name, version) => {
      const record = components.get(name, version);
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
        const record = components.get(name, version);
        return record?.manifest.server ? storage.getItemRaw(codeCacheKey(record)) : null;
      },
      save: async (name, version, data) => {
        const record = components.get(name, version);
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
  const baseCore = createRenderCore(sandbox);
  const core = overrides.core ? overrides.core(baseCore) : baseCore;

  /** The published version a request means, or a 400/404 that says why not. */
  function resolve(name: string | null, range: string): VersionRecord {
    if (!name) throw badRequest('The URL needs a component name: /r/component/<name>/<version>');
    const record = components.resolve(name, range);
    if (record === undefined) {
      throw badRequest(`"${range}" is not a version or a semver range (try 1.2.3, 1.x or ^1.2.0)`);
    }
    if (record === null) {
      const known = components.versions(name).length > 0;
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
    const base = `${baseUrl(req)}/r/static/${record.name}/${record.version}/`;
    const result: RenderTarget = {
      name: record.name,
      version: record.version,
      parameters: record.manifest.parameters,
      src: base + record.manifest.template,
      css: record.manifest.css.map((file) => base + file),
    };
    return overrides.target ? overrides.target(record, req, result) : result;
  }

  return {
    options,
    components,
    tokens,
    storage,
    sandbox,
    core,
    auth: createAuth(tokens, options.auth),
    metrics: createMetrics(),
    logger,
    // Hot client files stay in memory; versions are immutable, so entries never go stale.
    staticFiles: new LRUCache<string, Uint8Array>({ maxSize: 64 * 1024 * 1024, sizeCalculation: (v) => v.length || 1 }),
    resolve,
    target,
    async close() {
      await sandbox.close();
      await storage.dispose?.();
      db.close();
    },
  };
}

export type RegistryContext = ReturnType<typeof createRegistryContext>;
