/**
 * registry-lite in memory, mounted under /r of a Vite server: what `vite dev` and
 * `vite preview` both serve. Metadata in `:memory:` SQLite, files in the memory driver,
 * messages through Vite's logger, closed with the server.
 */
import type { Connect, Logger } from 'vite';
import type { Server } from 'node:http';
import { createApp } from '../registry-lite/app.js';
import { createRegistryContext, type ContextOverrides, type RegistryContext } from '../registry-lite/context.js';
import { resolveOptions, type RegistryOptions } from '../registry-lite/options.js';
import { memoryDriver } from '../registry-lite/storage/drivers/memory.js';

interface Host {
  config: { logger: Logger };
  httpServer: Server | null | { once(event: 'close', listener: () => void): unknown };
}

export function createMemoryRegistry(
  host: Host,
  options: Pick<RegistryOptions, 'dependencies' | 'plugins' | 'root' | 'timeout' | 'fetch'>,
  overrides?: ContextOverrides,
): { ctx: RegistryContext; middleware: Connect.NextHandleFunction } {
  const vite = host.config.logger;
  const logger = {
    info: (message: string) => vite.info(message, { timestamp: true }),
    warn: (message: string) => vite.warn(message, { timestamp: true }),
    error: (message: string) => vite.error(message, { timestamp: true }),
  };
  const ctx = createRegistryContext(
    resolveOptions({ ...options, database: ':memory:', storage: memoryDriver(), logger }),
    overrides,
  );
  host.httpServer?.once('close', () => void ctx.close());
  const app = createApp(ctx);
  return {
    ctx,
    // The registry answers everything under /r; the rest is Vite's.
    middleware: function mikr0RegistryMiddleware(req, res, next) {
      if (req.url?.startsWith('/r/')) return app(req, res, next);
      next();
    },
  };
}
