/**
 * `vite-plugin-mikr0/registry`: registry-lite. `createRegistry(options)` returns the connect
 * app (mount it in your own server) and `listen`/`close` for running it on its own.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';
import { createRegistryContext } from './context.js';
import { resolveOptions, type RegistryOptions } from './options.js';

export type { RegistryOptions, Limits } from './options.js';
export type { StorageDriver } from './storage/types.js';
export { memoryDriver } from './storage/drivers/memory.js';
export { filesystemDriver } from './storage/drivers/filesystem.js';
export type { Scope, TokenInfo } from './metadata/tokens.js';

export interface Registry {
  /** The connect app: `(req, res)` handler with every registry route. */
  app: ReturnType<typeof createApp>;
  /** Starts an HTTP server; resolves with its address once it listens. */
  listen(port?: number, host?: string): Promise<{ port: number; host: string; url: string; server: http.Server }>;
  /** Stops the server (if started), the sandbox workers and the database. */
  close(): Promise<void>;
  /** API tokens of this registry's database (the CLI's `mikr0 token`). */
  tokens: ReturnType<typeof createRegistryContext>['tokens'];
}

export function createRegistry(options: RegistryOptions = {}): Registry {
  const ctx = createRegistryContext(resolveOptions(options));
  const app = createApp(ctx);
  let server: http.Server | undefined;
  return {
    app,
    tokens: ctx.tokens,
    listen(port = 4910, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server = http.createServer(app);
        server.keepAliveTimeout = 65_000;
        server.once('error', reject);
        server.listen(port, host, () => {
          const address = server!.address() as AddressInfo;
          const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          resolve({ port: address.port, host: address.address, url: `http://${shownHost}:${address.port}`, server: server! });
        });
      });
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
