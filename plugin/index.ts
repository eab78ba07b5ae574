/**
 * `mikr0()`: the Vite plugin. Small named sub-plugins, each applied where it belongs:
 * - mikr0:config — resolves the options once, from the plugin call and package.json;
 * - mikr0:split  — splits the entry into its client and server halves, per environment;
 * - mikr0:runtime — gives the client code a `serverClient` bound to this component;
 * - mikr0:share  — in the component's built client half, framework packages come from the page's
 *   share scope (one React per page for every component that fits its version);
 * - mikr0:build  — one `vite build` builds both halves and writes the publishable bundle
 *   (beside the app's own build, never inside it, when the project has an index.html);
 * - mikr0:dev    — `vite dev` emulates a registry under /r, with the playground at /__mikr0/ and HMR;
 * - mikr0:preview — `vite preview` serves the built bundle from an in-memory registry-lite.
 */
import path from 'node:path';
import type { Plugin } from 'vite';
import { resolveOptions, type Mikr0Options } from './options.js';
import { splitPlugin } from './split-plugin.js';
import { runtimeBindingPlugin } from './runtime-binding.js';
import { buildPlugin, COMPONENT_CLIENT_ENV } from './build.js';
import { sharePlugin } from './share.js';
import { devPlugin } from './dev/index.js';
import { previewPlugin } from './preview-server.js';
import { createState } from './state.js';

export type { Mikr0Options } from './options.js';

export function mikr0(options: Mikr0Options = {}): Plugin[] {
  const state = createState();
  const configPlugin: Plugin = {
    name: 'mikr0:config',
    enforce: 'pre',
    config(config) {
      state.options = resolveOptions(options, path.resolve(config.root ?? process.cwd()));
    },
  };
  // The environment that builds the component's client half (see build.ts).
  const componentClient = () => (state.options!.page ? COMPONENT_CLIENT_ENV : 'client');
  return [configPlugin, splitPlugin(state), runtimeBindingPlugin(state), sharePlugin(state, componentClient), buildPlugin(state), devPlugin(state), previewPlugin(state)];
}

export default mikr0;
