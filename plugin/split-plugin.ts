import path from 'node:path';
import type { Plugin } from 'vite';
import { splitComponent } from './split.js';
import { evaluateParameters, type PluginState } from './state.js';

/** mikr0:split — the entry as the environment needs it: client half in the browser, server half in Node. */
export function splitPlugin(state: PluginState): Plugin {
  return {
    name: 'mikr0:split',
    sharedDuringBuild: true,
    // After Vite (and framework plugins) compiled TypeScript and JSX, so the split sees plain
    // JavaScript, and before Vite's import analysis, so dev's module graph has only what each half imports.
    enforce: 'post',
    transform: {
      handler(code, id) {
        const options = state.options!;
        if (id.split('?')[0] !== options.entry) return null;
        const target = this.environment.config.consumer === 'server' ? 'server' : 'client';
        const relative = path.relative(options.root, options.entry);
        try {
          const result = splitComponent(code, relative, target);
          if (target === 'server') {
            state.parameters = evaluateParameters(result.parametersSource, relative);
            state.actions = result.actions;
            state.plugins = [...new Set([...result.plugins, ...Object.keys(options.plugins)])];
          }
          return { code: result.code, map: null };
        } catch (error: any) {
          this.error(error.message);
        }
      },
    },
  };
}
