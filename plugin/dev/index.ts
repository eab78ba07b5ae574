/**
 * mikr0:dev — `vite dev` serves an emulated registry under /r on the page's own port: the
 * registry-lite app and render core, with metadata in the memory backend, files in the memory
 * driver, and this project's server code loaded through a Vite module runner of its own and
 * run in a sandbox context like the registry's (executor.ts). Components it does not have go
 * to the fallback registry. /__mikr0/ shows the playground on this component, and so does `/`
 * unless the project has an index.html of its own.
 */
import path from 'node:path';
import { createServerModuleRunner, isRunnableDevEnvironment, type Plugin, type ViteDevServer } from 'vite';
import type { ComponentDefinition } from '../../runtime/shared/component.js';
import { createError } from '../../runtime/shared/errors.js';
import { DEFAULT_MAX_RESULT_BYTES } from '../../runtime/node/sandbox/defaults.js';
import type { Manifest } from '../../bundle/types.js';
import { createMemoryRegistry, REGISTRY_CLIENT_URL } from '../memory-registry.js';
import type { PluginState } from '../state.js';
import { createDevExecutor } from './executor.js';
import { DEV_EVENTS_ID, devEventsModule, HMR_SNIPPET, RESOLVED_DEV_EVENTS_ID } from './hmr.js';
import { PLAYGROUND_PATH, playgroundMiddlewares } from './playground.js';

const RESOLVED_REGISTRY_CLIENT_ID = '\0mikr0:registry-client';

export function devPlugin(state: PluginState): Plugin {
  /** Loads the server half again when it changed (false when it fails); set up in configureServer. */
  let refresh: (() => Promise<boolean>) | null = null;
  /** The last load failed (a syntax error): its modules left the graph, so any edit may be the fix. */
  let broken = false;
  /** Reloads run one after another, so the last edit's outcome is the one that stands. */
  let reloads: Promise<unknown> = Promise.resolve();
  return {
    name: 'mikr0:dev',
    apply: 'serve',
    // Its transform must come before Vite's import analysis, which marks the entry self-accepting.
    enforce: 'post',

    // The playground page does not import the entry, so Vite's dependency scan would miss the
    // component's imports and re-optimize (a full reload) on the first visit: scan the entry too.
    config(config) {
      const entry = path.relative(config.root ?? process.cwd(), state.options!.entry);
      return { optimizeDeps: { entries: config.optimizeDeps?.entries ? [entry] : [entry, '**/*.html'] } };
    },

    async configureServer(server) {
      const options = state.options!;
      const entryUrl = '/' + path.relative(options.root, options.entry).split(path.sep).join('/');
      const environment = server.environments.ssr;
      if (!isRunnableDevEnvironment(environment)) {
        throw new Error('mikr0: the ssr environment must be runnable (Vite module runner) to run loaders in dev');
      }
      const vite = server.config.logger;
      const executor = createDevExecutor({
        name: options.name,
        version: options.version,
        entry: options.entry,
        // A runner of its own, so no other plugin's SSR code runs in the sandbox context;
        // HMR off: hotUpdate below starts the next load over.
        createRunner: (evaluator) => createServerModuleRunner(environment, { hmr: false, evaluator }),
        plugins: options.plugins,
        timeout: options.timeout,
        fetch: options.fetch,
        maxResultBytes: DEFAULT_MAX_RESULT_BYTES,
        logger: {
          info: (message) => vite.info(message, { timestamp: true }),
          warn: (message) => vite.warn(message, { timestamp: true }),
          error: (message) => vite.error(message, { timestamp: true }),
        },
        onLoadError: (error) => showOverlay(server, error),
      });
      server.httpServer?.once('close', () => void executor.close());
      const load = async (): Promise<ComponentDefinition> => (await executor.load()).definition;
      const isDev = (component: { name: string; version: string }) => component.name === options.name && component.version === options.version;

      const { registry, middleware } = createMemoryRegistry(server, {
        plugins: options.plugins,
        timeout: options.timeout,
        fetch: options.fetch,
        // Server code runs in the module runner's sandbox context; only this component is here.
        executor: {
          async run(job) {
            if (isDev(job)) return executor.run(job);
            throw createError({ status: 404, code: 'NOT_FOUND', message: `vite dev runs only ${options.name}@${options.version}; publish ${job.name} to a registry and set registryFallbackUrl` });
          },
        },
        // The client half is the entry on the dev server, served by Vite (CSS included).
        clientUrl: (component) => (isDev(component) ? entryUrl : undefined),
        // Components this project does not have come from the fallback registry.
        fallback: options.registryFallbackUrl ? { url: options.registryFallbackUrl, timeout: options.fallbackTimeout } : undefined,
      });

      // The component under development, as the registry lists it (schema and actions kept current).
      const manifest = (definition: ComponentDefinition | null): Manifest => ({
        template: entryUrl.slice(1),
        server: null,
        css: [],
        parameters: definition?.parameters,
        files: {},
        client: [],
        actions: Object.keys(definition?.actions ?? {}),
        plugins: [],
        dependencies: [],
      });
      const development = await registry.develop({
        name: options.name,
        version: options.version,
        description: options.description,
        manifest: manifest(null),
        publishedAt: Date.now(),
      });
      /** Why the last load failed, for the terminal (the overlay shows it in the browser). */
      let loadError: unknown;
      refresh = async () => {
        // hotUpdate runs before the runner hears of the change: start from fresh modules.
        executor.reset();
        const definition = await load().catch((error) => ((loadError = error), null));
        if (definition) await development.update(manifest(definition));
        return definition !== null;
      };
      // The first load waits until Vite has set the server up (plugins' buildStart, the ssr
      // dependency optimizer): the server half imports what render() needs, CSS modules and
      // framework packages included, and loaded earlier it would get half-made modules. It
      // starts once the server listens; the registry's requests wait for it.
      let first: Promise<void> | undefined;
      const loadFirst = () =>
        (first ??= reloads.then(refresh!).then((loaded) => {
          broken = !loaded;
          if (!loaded) {
            const why = (loadError as Error)?.stack ?? String(loadError);
            vite.warn(`mikr0: ${entryUrl} could not be loaded yet; fix it and save:\n${why}`, { timestamp: true });
          }
        }));
      server.httpServer?.once('listening', () => void loadFirst());
      const waitForFirstLoad = (req: { url?: string }, _res: unknown, next: (error?: unknown) => void) => {
        if (!req.url?.startsWith('/r/')) return next();
        loadFirst().then(() => next(), next);
      };

      // Added here, before Vite's own middlewares: /r (client.js included) never reaches Vite's transform.
      server.middlewares.use(waitForFirstLoad);
      server.middlewares.use(middleware);
      for (const fn of playgroundMiddlewares(server, { name: options.name, version: options.version }, !options.page)) server.middlewares.use(fn);

      // After Vite's own URLs, where to find the playground (`/` is the app's page in an app).
      const printUrls = server.printUrls.bind(server);
      server.printUrls = () => {
        printUrls();
        const local = server.resolvedUrls?.local[0];
        if (local) vite.info(`  ➜  mikr0 playground: ${new URL(PLAYGROUND_PATH.slice(1), local)}`);
      };
    },

    resolveId(id) {
      if (this.environment.config.consumer !== 'client') return null;
      // The client entry accepts its own updates: the runtime remounts with the same data.
      if (id === DEV_EVENTS_ID) return RESOLVED_DEV_EVENTS_ID;
      // A page's <script type="module" src="/r/client.js"> makes Vite warm it up as a module
      // of the project, which it is not: the registry middleware above serves the real file.
      // The warm-up gets an empty stand-in instead of a "Pre-transform error".
      if (id === REGISTRY_CLIENT_URL) return RESOLVED_REGISTRY_CLIENT_ID;
      return null;
    },
    load(id) {
      if (id === RESOLVED_REGISTRY_CLIENT_ID) return 'export {};\n';
      if (id !== RESOLVED_DEV_EVENTS_ID) return null;
      const { root, entry } = state.options!;
      return devEventsModule('/' + path.relative(root, entry).split(path.sep).join('/'));
    },

    transform: {
      handler(code, id) {
        if (this.environment.config.consumer !== 'client' || id.split('?')[0] !== state.options!.entry) return null;
        return { code: code + HMR_SNIPPET, map: null };
      },
    },

    // Server code changed: reload it, then tell the page to render again (new loader data).
    // If it fails to load, the overlay shows why and the page keeps what it has.
    // Not awaited: Vite sends the page its own update of client modules once every hook has
    // returned, and the page must have it before it hydrates the new server HTML (hmr.ts holds
    // the server update until it is applied), or a file both halves import would be hydrated
    // by its old client code.
    hotUpdate({ modules, server }) {
      if (this.environment.name !== 'ssr' || !refresh || (!modules.length && !broken)) return;
      const reload = reloads.then(refresh);
      reloads = reload.then(
        (loaded) => {
          broken = !loaded;
          if (loaded) server.environments.client.hot.send({ type: 'custom', event: 'mikr0:server-update' });
        },
        () => {},
      );
    },
  };
}

/** A server-code error (e.g. a syntax error in a loader) shows Vite's overlay in the page. */
function showOverlay(server: ViteDevServer, error: any) {
  server.environments.client.hot.send({
    type: 'error',
    err: {
      message: String(error?.message ?? error),
      stack: String(error?.stack ?? ''),
      id: error?.id,
      frame: error?.frame,
      plugin: error?.plugin,
      loc: error?.loc,
    },
  });
}
