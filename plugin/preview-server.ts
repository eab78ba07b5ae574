/**
 * mikr0:preview — `vite preview` serves the built bundle the way a registry will: dist/ is
 * packed and published into an in-memory registry-lite (same validation, same sandbox), whose
 * routes answer under /r.
 */
import type { Plugin } from 'vite';
import { collectFiles, packTarGz } from '../bundle/index.js';
import { createMemoryRegistry } from './memory-registry.js';
import type { PluginState } from './state.js';

export function previewPlugin(state: PluginState): Plugin {
  return {
    name: 'mikr0:preview',
    async configurePreviewServer(server) {
      const { outDir, name, version, dependencies, plugins, root, timeout, fetch } = state.options!;
      const { registry, middleware } = createMemoryRegistry(server, { dependencies, plugins, root, timeout, fetch });
      try {
        await registry.publish(name, version, await packTarGz(await collectFiles(outDir)));
      } catch (error: any) {
        const details = (error?.details ?? []).map((d: { path?: string; message: string }) => `\n  ${d.path ?? ''}: ${d.message}`).join('');
        throw new Error(`mikr0: ${outDir} is not a publishable bundle (run vite build first): ${error?.message ?? error}${details}`);
      }
      server.middlewares.use(middleware);
    },
  };
}
