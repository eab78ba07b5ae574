/**
 * registry-lite in memory, mounted under /r of a Vite server: what `vite dev` and
 * `vite preview` both serve. Metadata in the memory backend (so a component author never
 * needs SQLite's native module), files in the memory driver, messages through Vite's logger,
 * closed with the server. Built with the registry's public options, like any embedding.
 */
import type { Connect, Logger } from 'vite';
import type { Server } from 'node:http';
import { createRegistry, type Registry, type RegistryOptions } from '../registry-lite/index.js';

/** The registry's browser runtime, as a page loads it (`<script type="module" src="/r/client.js">`). */
export const REGISTRY_CLIENT_URL = '/r/client.js';

interface Host {
  config: { logger: Logger };
  httpServer: Server | null | { once(event: 'close', listener: () => void): unknown };
}

type MemoryRegistryOptions = Pick<RegistryOptions, 'dependencies' | 'plugins' | 'root' | 'timeout' | 'fetch' | 'executor' | 'clientUrl' | 'fallback'>;

export function createMemoryRegistry(host: Host, options: MemoryRegistryOptions): { registry: Registry; middleware: Connect.NextHandleFunction } {
  const vite = host.config.logger;
  const logger = {
    info: (message: string) => vite.info(message, { timestamp: true }),
    warn: (message: string) => vite.warn(message, { timestamp: true }),
    error: (message: string) => vite.error(message, { timestamp: true }),
  };
  const registry = createRegistry({ ...options, database: { type: 'memory' }, storage: { type: 'memory' }, logger });
  host.httpServer?.once('close', () => void registry.close());
  return {
    registry,
    // The registry answers everything under /r; the rest is Vite's.
    middleware: function mikr0RegistryMiddleware(req, res, next) {
      if (req.url?.startsWith('/r/')) return registry.app(req, res, next);
      next();
    },
  };
}
