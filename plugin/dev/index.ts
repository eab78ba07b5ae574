/**
 * mikr0:dev — `vite dev` serves an emulated registry under /r on the page's own port: the
 * registry-lite app and render core, with metadata in `:memory:` SQLite, files in the memory
 * driver, and this project's server code loaded through Vite's module runner. Components it
 * does not have go to the fallback registry. `/` shows the preview page.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isRunnableDevEnvironment, type Plugin } from 'vite';
import type { ComponentDefinition } from '../../runtime/core/component.js';
import { createRenderCore } from '../../runtime/core/render.js';
import { sendJson } from '../../registry-lite/http.js';
import { createMemoryRegistry } from '../memory-registry.js';
import type { PluginState } from '../state.js';
import { createDevExecutor } from './executor.js';
import { fallbackMiddleware } from './fallback.js';
import { PREVIEW_MODULE, previewHtml, previewModule } from './preview.js';

const DEV_TIMEOUT_MS = 10_000;

export function devPlugin(state: PluginState): Plugin {
  let entryUrl = '';
  return {
    name: 'mikr0:dev',
    apply: 'serve',

    resolveId(id) {
      return id === PREVIEW_MODULE ? `\0${PREVIEW_MODULE}` : null;
    },

    load(id) {
      if (id !== `\0${PREVIEW_MODULE}`) return null;
      const { name, version } = state.options!;
      return previewModule(entryUrl, name, version);
    },

    async configureServer(server) {
      const options = state.options!;
      entryUrl = '/' + path.relative(options.root, options.entry).split(path.sep).join('/');
      const environment = server.environments.ssr;
      if (!isRunnableDevEnvironment(environment)) {
        throw new Error('mikr0: the ssr environment must be runnable (Vite module runner) to run loaders in dev');
      }
      const load = async (): Promise<ComponentDefinition> => {
        const module = await environment.runner.import(options.entry);
        return module.default ?? module;
      };
      const log = (message: string) => server.config.logger.error(message, { timestamp: true });
      const executor = createDevExecutor({ load, plugins: options.plugins, timeout: DEV_TIMEOUT_MS, log });
      const isDev = (target: { name: string; version: string }) => target.name === options.name && target.version === options.version;
      const devCore = createRenderCore(executor);

      const { ctx, middleware } = createMemoryRegistry(server, { plugins: options.plugins }, {
        core: (base) => ({
          async render(target, raw, headers) {
            if (!isDev(target)) return base.render(target, raw, headers);
            // Loaded once per render: its schema (as the code has it now) parses the
            // parameters, and the same definition runs the loader. If it fails to load,
            // the executor loads again and reports it as a load failure.
            const definition = await load().catch(() => undefined);
            const core = definition ? createRenderCore({ run: (job) => executor.run(job, definition) }) : devCore;
            return core.render({ ...target, parameters: definition?.parameters ?? target.parameters }, raw, headers);
          },
          action: (target, body, headers) => (isDev(target) ? devCore.action(target, body, headers) : base.action(target, body, headers)),
        }),
        // Same origin as the registry would put in `src` (publicUrl or Host), but the entry on the dev server.
        target: (record, _req, base) => (isDev(record) ? { ...base, src: new URL(base.src).origin + entryUrl, css: [] } : base),
      });
      const initial = await load().catch((error) => {
        server.config.logger.warn(`mikr0: ${entryUrl} could not be loaded yet: ${error?.message ?? error}`, { timestamp: true });
        return null;
      });
      ctx.components.insert({
        name: options.name,
        version: options.version,
        description: options.description,
        manifest: { template: entryUrl.slice(1), server: null, css: [], parameters: initial?.parameters, files: {}, client: [], plugins: [], dependencies: [] },
        prefix: 'dev',
        publishedAt: Date.now(),
      });
      // Components this project does not have may go to the fallback registry first.
      if (options.registryFallbackUrl) server.middlewares.use(fallbackMiddleware(ctx, options.registryFallbackUrl, options.fallbackTimeout));
      server.middlewares.use(middleware);
      server.middlewares.use('/__mikr0/component', function mikr0DevInfoMiddleware(_req, res) {
        load().then(
          (definition) => sendJson(res, 200, { name: options.name, version: options.version, parameters: definition.parameters ?? {} }),
          (error) => sendJson(res, 500, { error: { code: 'LOADER_ERROR', message: String(error?.message ?? error) } }),
        );
      });
      // The preview page, unless the project has a page of its own.
      if (!fs.existsSync(path.join(server.config.root, 'index.html'))) {
        server.middlewares.use(async function mikr0PreviewMiddleware(req, res, next) {
          const url = req.url ?? '/';
          if (url !== '/' && !url.startsWith('/?')) return next();
          try {
            const html = await server.transformIndexHtml(url, previewHtml(`${options.name}@${options.version}`));
            res.setHeader('Content-Type', 'text/html; charset=utf-8');
            res.end(html);
          } catch (error) {
            next(error);
          }
        });
      }
    },

    // Server code changed: tell the preview to run the loader again (the runner reloads it).
    hotUpdate({ modules, server }) {
      if (this.environment.name === 'ssr' && modules.length) {
        server.environments.client.hot.send({ type: 'custom', event: 'mikr0:server-update' });
      }
    },
  };
}
