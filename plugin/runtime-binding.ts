/**
 * mikr0:runtime — in the component's client code, `vite-plugin-mikr0/runtime` is the runtime
 * plus a `serverClient` bound to this component (name, version) and to the registry its module
 * was loaded from. Server code and dependencies keep the plain runtime.
 */
import type { Plugin } from 'vite';
import type { PluginState } from './state.js';

const RUNTIME = 'vite-plugin-mikr0/runtime';
const BOUND = '\0mikr0:runtime';

export function runtimeBindingPlugin(state: PluginState): Plugin {
  let runtimePath: string | null = null;
  return {
    name: 'mikr0:runtime',
    enforce: 'pre',
    applyToEnvironment: (environment) => environment.config.consumer === 'client',
    async resolveId(id, importer, options) {
      // Vite's dependency scan must see the real package: bound to a virtual module it would not
      // pre-bundle the runtime, find it on the first request, re-optimize and reload the page.
      if (id !== RUNTIME || (options as { scan?: boolean }).scan || !importer || importer.includes('/node_modules/') || importer === BOUND) return null;
      const resolved = await this.resolve(id, importer, { skipSelf: true });
      if (!resolved) return null;
      runtimePath = resolved.id;
      return BOUND;
    },
    load(id) {
      if (id !== BOUND || !runtimePath) return null;
      const { name, version } = state.options!;
      const runtime = JSON.stringify(runtimePath);
      return [
        `export * from ${runtime};`,
        `import { createServerClient, registryBaseOf } from ${runtime};`,
        `const baseUrl = registryBaseOf(import.meta.url);`,
        `export const serverClient = createServerClient({ baseUrl, name: ${JSON.stringify(name)}, version: ${JSON.stringify(version)} });`,
      ].join('\n');
    },
  };
}
