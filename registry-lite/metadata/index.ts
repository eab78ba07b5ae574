/**
 * Registry metadata: a backend (types.ts; sqlite.ts, memory.ts, postgres.ts) under one
 * backend-neutral layer that owns version resolution, its caches and token rules
 * (components.ts, tokens.ts).
 *
 * A backend that fails (a database that went away, a connection that dropped) is the
 * registry's trouble, not the request's: what it throws reaches the middlewares as a 503
 * UNAVAILABLE naming the database, in one line, never a 500 "Internal error". Versions the
 * caches above hold keep being served meanwhile.
 */
import { createError, isMikr0Error } from '../../runtime/shared/errors.js';
import { createAudit } from './audit.js';
import { createComponents } from './components.js';
import { createTokens } from './tokens.js';
import type { MetadataBackend } from './types.js';
import { createUsage, type UsageOptions } from './usage.js';

export type * from './types.js';
export { SCOPES, nameAllowed, parseDuration, parseNamePatterns, tokenActor, type Verified } from './tokens.js';
export { AUDIT_ACTIONS, type Actor, type Audit } from './audit.js';
export type { Usage, VersionUsage } from './usage.js';

/** The backend's data calls: the ones a request makes (ping, watch and close report their own way). */
const DATA_CALLS = [
  'getVersion', 'listVersions', 'getVersions', 'insertVersion', 'setDeprecated', 'unpublishVersion', 'replaceManifest', 'search',
  'insertToken', 'getToken', 'listTokens', 'touchToken', 'revokeToken', 'appendAudit', 'listAudit', 'addUsage', 'getUsage',
] as const satisfies readonly (keyof MetadataBackend)[];

/**
 * `explain` turns a backend's raw failure into the line to show (the PostgreSQL backend's
 * names the host and the option to fix; see open.ts); by default the error's first line.
 */
export function createMetadata(
  backend: MetadataBackend,
  explain: (error: unknown) => unknown = (error) => error,
  options: { usage?: UsageOptions } = {},
) {
  const guarded = unavailableAs503(backend, explain);
  const components = createComponents(guarded);
  const audit = createAudit(guarded);
  const tokens = createTokens(guarded, audit);
  const usage = createUsage(guarded, options.usage);
  return {
    backend,
    components,
    tokens,
    audit,
    usage,
    /**
     * Resolves once the database can be used (connected and migrated: the backend's `ready()`
     * when it has one, else `ping()`); rejects with the backend's one line naming what to fix.
     */
    check(): Promise<void> {
      const { ready } = backend as { ready?: () => Promise<void> };
      return typeof ready === 'function' ? ready.call(backend) : backend.ping();
    },
    /** Stops watching, sends the usage counts still in memory, and closes the backend. */
    async close() {
      components.close();
      await usage.close().catch(() => {});
      await backend.close();
    },
  };
}

/** The backend with every data call's failure as a 503 UNAVAILABLE (a Mikr0Error passes as it is). */
function unavailableAs503(backend: MetadataBackend, explain: (error: unknown) => unknown): MetadataBackend {
  const fail = (error: unknown): never => {
    if (isMikr0Error(error)) throw error;
    const line = String((explain(error) as Error)?.message ?? error).split('\n')[0];
    throw createError({
      status: 503,
      code: 'UNAVAILABLE',
      message: `The registry's database is unavailable: ${line}`,
      headers: { 'Retry-After': '5' },
      cause: error,
    });
  };
  const guarded: Record<string, unknown> = {
    get name() {
      return backend.name;
    },
    ping: () => backend.ping(),
    watch: (listener: Parameters<MetadataBackend['watch']>[0]) => backend.watch(listener),
    close: () => backend.close(),
  };
  for (const call of DATA_CALLS) {
    guarded[call] = async (...args: unknown[]) => {
      try {
        return await (backend[call] as (...a: unknown[]) => Promise<unknown>)(...args);
      } catch (error) {
        return fail(error);
      }
    };
  }
  return guarded as unknown as MetadataBackend;
}

export type Metadata = ReturnType<typeof createMetadata>;
export type { Components } from './components.js';
export type { Tokens } from './tokens.js';
