/**
 * mikr0:preview — `vite preview` serves the built bundle the way a registry will: dist/ is
 * packed and published into an in-memory registry-lite (same validation, same sandbox), whose
 * routes answer under /r.
 */
import type { Plugin } from 'vite';
import { collectFiles, packTarGz } from '../cli/pack.js';
import { createApp } from '../registry-lite/app.js';
import { createRegistryContext } from '../registry-lite/context.js';
import { resolveOptions as resolveRegistryOptions } from '../registry-lite/options.js';
import { ingest } from '../registry-lite/publish/ingest.js';
import { memoryDriver } from '../registry-lite/storage/drivers/memory.js';
import type { PluginState } from './state.js';

export function previewPlugin(state: PluginState): Plugin {
  return {
    name: 'mikr0:preview',
    async configurePreviewServer(server) {
      const { outDir, name, version, dependencies, plugins, root } = state.options!;
      const logger = server.config.logger;
      const ctx = createRegistryContext(
        resolveRegistryOptions({
          database: ':memory:',
          storage: memoryDriver(),
          dependencies,
          plugins,
          root,
          workers: 1,
          logger: { info: (m) => logger.info(m), warn: (m) => logger.warn(m), error: (m) => logger.error(m) },
        }),
      );
      try {
        await ingest(ctx, name, version, await packTarGz(await collectFiles(outDir)));
      } catch (error: any) {
        const details = (error?.details ?? []).map((d: { path?: string; message: string }) => `\n  ${d.path ?? ''}: ${d.message}`).join('');
        throw new Error(`mikr0: ${outDir} is not a publishable bundle (run vite build first): ${error?.message ?? error}${details}`);
      }
      const app = createApp(ctx);
      server.httpServer.once('close', () => void ctx.close());
      server.middlewares.use(function mikr0PreviewRegistryMiddleware(req, res, next) {
        if (req.url?.startsWith('/r/')) return app(req, res, next);
        next();
      });
    },
  };
}
