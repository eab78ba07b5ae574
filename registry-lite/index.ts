/**
 * `vite-plugin-mikr0/registry`: registry-lite. `createRegistry(options)` returns the connect
 * app (mount it in your own server) and `listen`/`close` for running it on its own.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';
import { createRegistryContext } from './context.js';
import { resolveOptions, type RegistryOptions } from './options.js';
import type { Components, Tokens, VersionRecord } from './metadata/index.js';
import type { Manifest } from '../bundle/types.js';
import { ingest } from './publish/ingest.js';
import type { PublishResult } from '../runtime/shared/api.js';

export type { RegistryOptions, Limits } from './options.js';
export { registryOptionKeys } from './options.js';
export type { StorageDriver } from './storage/types.js';
export { describeStorage, storageFromUrl, type StorageOption } from './storage/open.js';
export { s3Driver, type S3DriverOptions } from './storage/drivers/s3.js';
export { azureDriver, type AzureDriverOptions } from './storage/drivers/azure.js';
export type { Executor, ExecuteJob, ExecuteResult } from '../runtime/node/render.js';
export { memoryDriver } from './storage/drivers/memory.js';
export { filesystemDriver } from './storage/drivers/filesystem.js';
export type {
  AuditAction,
  AuditEntry,
  AuditQuery,
  ComponentSummary,
  UsageRow,
  MetadataBackend,
  MetadataChange,
  Scope,
  TokenInfo,
  TokenRow,
  VersionEntry,
  VersionRecord,
} from './metadata/types.js';
export {
  AUDIT_ACTIONS,
  createMetadata,
  nameAllowed,
  parseDuration,
  parseNamePatterns,
  SCOPES,
  type Actor,
  type Metadata,
} from './metadata/index.js';
// The backends load their drivers only when opened: importing this file never loads better-sqlite3.
export { memoryBackend } from './metadata/memory.js';
export { sqliteBackend } from './metadata/sqlite.js';
export { postgresBackend, type PostgresBackend, type PostgresOptions } from './metadata/postgres.js';
export { databaseFromUrl, describeDatabase, openMetadata, resolveDatabase, type DatabaseOption, type DatabaseSpec } from './metadata/open.js';
export { migrateRegistry, type ComponentProgress, type MigrateOptions, type MigrationEnd, type MigrationError, type MigrationSummary } from './migrate.js';

export interface Registry {
  /** The connect app: `(req, res)` handler with every registry route. */
  app: ReturnType<typeof createApp>;
  /**
   * Checks the database and the storage, then starts an HTTP server; resolves with its address
   * once it listens. A dependency that does not answer rejects it with one line naming the
   * setting to fix (`cannot reach PostgreSQL at db:5432 (database.options.connectionString): …`),
   * and nothing listens.
   */
  listen(port?: number, host?: string): Promise<{ port: number; host: string; url: string; server: http.Server }>;
  /** Where metadata and bundles live, for banners and logs (`postgres db:5432/mikr0`, `s3 bucket/prefix (eu-west-1)`): never a secret. */
  readonly where: { database: string; storage: string };
  /** Stops the server (if started), the sandbox workers and the database. */
  close(): Promise<void>;
  /** API tokens of this registry's database: `await registry.tokens.create(['publish'], 'ci')`. */
  tokens: Tokens;
  /** The published versions: resolve, list, deprecate (what the HTTP API does, without HTTP). Read-only otherwise: versions are immutable. */
  components: PublishedComponents;
  /**
   * Serves `name@version` from source rather than a published bundle (`vite dev`): its manifest
   * follows the code through `update`. Only on the memory database, where nothing outlives the
   * process — a stored version never changes.
   */
  develop(record: Omit<VersionRecord, 'deprecated' | 'prefix' | 'unpublishedAt'>): Promise<{ update(manifest: Manifest): Promise<void> }>;
  /** Publishes a bundle (a tar.gz as `mikr0 publish` packs it) as `PUT /r/publish` does: same checks, same 400/409s. */
  publish(name: string, version: string, tarball: Uint8Array): Promise<PublishResult>;
}

/** What an embedder may do with published versions: read them, deprecate them; never rewrite one. */
export type PublishedComponents = Pick<Components, 'get' | 'resolve' | 'has' | 'versions' | 'list' | 'deprecate'>;

/** How long start-up waits for the database (connect, migrate) and the storage; the backends' own timeouts come first. */
const START_CHECK_MS = 30_000;

/** A failed start-up check as the one line to show: the variable's name when the setting came from the environment. */
function startError(error: unknown, fromEnv: { database: boolean; storage: boolean }): Error {
  let line = String((error as Error)?.message ?? error).split('\n')[0];
  if (fromEnv.database) line = line.replace('(database.options.connectionString)', '(MIKR0_DATABASE_URL)');
  if (fromEnv.storage) line = line.replace(/\(storage\.options\.(bucket|region|endpoint|container|prefix)\)/, '(MIKR0_STORAGE)');
  return new Error(line, { cause: error });
}

function publishedComponents({ get, resolve, has, versions, list, deprecate }: Components): PublishedComponents {
  return { get, resolve, has, versions, list, deprecate };
}

export function createRegistry(options: RegistryOptions = {}): Registry {
  const ctx = createRegistryContext(resolveOptions(options));
  const app = createApp(ctx);
  let server: http.Server | undefined;

  function bind(port: number, host: string): Promise<{ port: number; host: string; url: string; server: http.Server }> {
    return new Promise((resolve, reject) => {
      const candidate = http.createServer(app);
      candidate.keepAliveTimeout = 65_000;
      candidate.once('error', reject);
      candidate.listen(port, host, () => {
        candidate.off('error', reject);
        candidate.on('error', (error) => ctx.logger.error(`mikr0: server error: ${error.stack ?? error}`));
        server = candidate;
        const address = candidate.address() as AddressInfo;
        // A wildcard address is not somewhere a client can connect to: show loopback.
        const shown = address.address === '0.0.0.0' || address.address === '::' ? 'localhost' : address.address;
        const shownHost = shown.includes(':') ? `[${shown}]` : shown;
        resolve({ port: address.port, host: address.address, url: `http://${shownHost}:${address.port}`, server: candidate });
      });
    });
  }

  return {
    app,
    tokens: ctx.tokens,
    components: publishedComponents(ctx.components),
    where: ctx.options.where,
    async develop(record) {
      if (ctx.options.database.type !== 'memory') {
        throw new Error('registry.develop() serves a version from source, so it needs database: { type: "memory" }: a stored version never changes');
      }
      const { name, version } = record;
      await ctx.components.insert({ ...record, prefix: 'dev' });
      return { update: async (manifest) => void (await ctx.components.replaceManifest(name, version, manifest)) };
    },
    publish: (name, version, tarball) => ingest(ctx, name, version, tarball),
    async listen(port = 4910, host = '127.0.0.1') {
      // The sandbox processes start while the dependencies are checked and the server binds: the first render finds them ready.
      const warming = Promise.resolve(ctx.sandbox?.warm());
      warming.catch(() => {}); // awaited below; a failed check must not leave it unhandled
      // A misconfigured replica must never join the load balancer: nothing listens until both answer.
      const { database, storage } = ctx.checks;
      await Promise.all([database(START_CHECK_MS, true), storage(START_CHECK_MS)]).catch((error) => {
        throw startError(error, ctx.options.fromEnv);
      });
      const [listening] = await Promise.all([bind(port, host), warming]);
      return listening;
    },
    async close() {
      if (server) {
        await new Promise<void>((resolve) => {
          server!.close(() => resolve());
          server!.closeAllConnections();
        });
      }
      await ctx.close();
    },
  };
}
