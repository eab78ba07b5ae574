/**
 * mikr0:preview — `vite preview` serves the built bundle the way a registry will: dist/ is
 * packed and published into an in-memory registry-lite (same validation, same sandbox), whose
 * routes answer under /r, and /__mikr0/ (and `/` unless the project is an app with its own
 * index.html) is the playground showing that component.
 */
import type { Plugin, ViteDevServer } from 'vite';
import { collectFiles, packTarGz } from '../bundle/index.js';
import { playgroundMiddlewares } from './dev/playground.js';
import { createMemoryRegistry } from './memory-registry.js';
import type { PluginState } from './state.js';

export function previewPlugin(state: PluginState): Plugin {
  return {
    name: 'mikr0:preview',
    async configurePreviewServer(server) {
      const { outDir, name, version, dependencies, plugins, root, timeout, fetch, page: hasPage } = state.options!;
      const { registry, middleware } = createMemoryRegistry(server, { dependencies, plugins, root, timeout, fetch });
      try {
        await registry.publish(name, version, await packTarGz(await collectFiles(outDir)));
      } catch (error: any) {
        const details = (error?.details ?? []).map((d: { path?: string; message: string }) => `\n  ${d.path ?? ''}: ${d.message}`).join('');
        throw new Error(`mikr0: ${outDir} is not a publishable bundle (run vite build first): ${error?.message ?? error}${details}`);
      }
      server.middlewares.use(middleware);
      // The playground shows the component, as in `vite dev`; preview serves built
      // files, so the page goes out as it is (no transformIndexHtml, no HMR client).
      const page = { config: server.config, transformIndexHtml: async (_url: string, html: string) => html } as unknown as ViteDevServer;
      for (const handler of playgroundMiddlewares(page, { name, version }, !hasPage)) server.middlewares.use(handler);
    },
  };
}
