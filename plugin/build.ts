/**
 * mikr0:build — one plain `vite build` builds the client half (template.js, ES module, CSS and
 * assets beside it) and the server half (server.cjs, CommonJS, shared dependencies left as
 * require()), then writes the bundle's package.json with sizes and integrity.
 *
 * A project that is only the component builds its client half in Vite's `client` environment.
 * A project that is also an app (it has an index.html) keeps its `client` build exactly as
 * without mikr0(); the component's client half gets an environment of its own, `mikr0_client`,
 * and both halves go to the bundle folder, outside the app's build.outDir.
 */
import path from 'node:path';
import type { EnvironmentOptions, Plugin, ResolvedConfig, Rolldown } from 'vite';
import { writeBundlePackage } from '../bundle/index.js';
import { packageVersion as pluginVersion } from '../runtime/node/package-root.js';
import { STATIC_MARKER } from '../runtime/node/render.js';
import { REGISTRY_CLIENT_URL } from './memory-registry.js';
import type { PluginState } from './state.js';

/** Export conditions of the server half: a web worker's, in production or development. */
const SERVER_CONDITIONS = ['worker', 'module', 'development|production'];

/** The environment that builds the component's client half when `client` is the app's. */
export const COMPONENT_CLIENT_ENV = 'mikr0_client';

/**
 * The environment being built: Vite builds them one at a time. Module state on purpose: with a
 * config file, Vite resolves the config again per environment and so calls `mikr0()` again,
 * and the `renderBuiltUrl` it uses may belong to another instance than the `buildStart` it calls.
 */
let building: string | null = null;

export function buildPlugin(state: PluginState): Plugin {
  let config: ResolvedConfig;
  const clientEnv = () => (state.options!.page ? COMPONENT_CLIENT_ENV : 'client');
  return {
    name: 'mikr0:build',
    apply: 'build',
    sharedDuringBuild: true,

    config(userConfig) {
      const { entry, outDir, dependencies, page, root } = state.options!;
      if (page) refuseBundleInsideApp(outDir, path.resolve(root, userConfig.build?.outDir ?? 'dist'));
      const external = (id: string) => dependencies.some((d) => id === d || id.startsWith(`${d}/`));
      const componentClient: EnvironmentOptions = {
        consumer: 'client',
        build: {
          outDir,
          emptyOutDir: true,
          copyPublicDir: false,
          rolldownOptions: {
            input: { template: entry },
            preserveEntrySignatures: 'exports-only',
            output: {
              format: 'es',
              entryFileNames: 'template.js',
              chunkFileNames: 'chunks/[name]-[hash].js',
              assetFileNames: 'assets/[name]-[hash][extname]',
            },
          },
        },
      };
      return {
        // Any `builder` config makes `vite build` build every environment (buildApp below).
        builder: {},
        // The component's assets resolve next to template.js, wherever a registry serves it;
        // the app's (if any) keep the URLs its own config gives them.
        experimental: {
          // Server HTML names assets too, but only a request knows the registry's origin: the
          // server half carries a marker the render path replaces with the version's static URL.
          renderBuiltUrl: (file, { ssr }) => (ssr ? STATIC_MARKER + file : building === clientEnv() ? { relative: true } : undefined),
        },
        environments: {
          [clientEnv()]: componentClient,
          server: {
            consumer: 'server',
            // The sandbox is not Node: it offers the web's globals, as a worker does. So server
            // renderers resolve to their worker builds (react-dom/server.browser, solid-js's
            // server build), never to ones that need node:stream or async_hooks.
            resolve: { noExternal: true, external: dependencies, conditions: SERVER_CONDITIONS },
            define: { 'process.env.NODE_ENV': JSON.stringify(userConfig.mode === 'development' ? 'development' : 'production') },
            build: {
              // Server HTML may name an asset the client half never imports: it must be published too.
              emitAssets: true,
              outDir,
              emptyOutDir: false,
              copyPublicDir: false,
              ssr: true,
              rolldownOptions: {
                input: { server: entry },
                external,
                output: { format: 'cjs', entryFileNames: 'server.cjs', codeSplitting: false, exports: 'auto' },
              },
            },
          },
        },
      };
    },

    configResolved(resolved) {
      config = resolved;
    },

    // A page's <script type="module" src="/r/client.js"> (as in dev) is the registry's runtime,
    // served by whatever registry serves the page, not a module of the project to bundle.
    resolveId(id) {
      return id === REGISTRY_CLIENT_URL && this.environment.config.consumer === 'client' ? { id, external: true } : null;
    },

    buildStart() {
      building = this.environment.name;
    },

    generateBundle(_output, bundle) {
      const name = this.environment.name;
      if (name !== 'server' && name !== clientEnv()) return;
      // The server half emits its assets (server HTML may name one the client never imports),
      // but the component's CSS is the client half's: a second copy would only be published.
      if (name === 'server') for (const file of Object.keys(bundle)) if (file.endsWith('.css')) delete bundle[file];
      const entry = Object.values(bundle).find((file): file is Rolldown.OutputChunk => file.type === 'chunk' && file.isEntry);
      if (!entry) return;
      if (name === 'server') {
        state.dependencies = entry.imports.filter((id) => !bundle[id]);
      } else {
        state.css = [...(entry.viteMetadata?.importedCss ?? [])];
      }
    },

    async buildApp(builder) {
      // The app's own page first, with the user's config, as `vite build` without mikr0() would.
      const order = state.options!.page ? ['client', COMPONENT_CLIENT_ENV, 'server'] : ['client', 'server'];
      for (const name of order) await builder.build(builder.environments[name]);
      await writeManifest(state, config);
    },
  };
}

/** Server code must never land in a folder deployed as a static site. */
function refuseBundleInsideApp(outDir: string, appOutDir: string) {
  const inside = path.relative(appOutDir, outDir);
  if (inside === '' || (!inside.startsWith('..') && !path.isAbsolute(inside))) {
    throw new Error(
      `mikr0: the bundle folder ${outDir} is inside the app's build.outDir (${appOutDir}), which is deployed as a static site ` +
        `and would publish server.cjs: set mikr0({ outDir }) to a folder outside it, such as 'dist-mikr0'`,
    );
  }
}

async function writeManifest(state: PluginState, config: ResolvedConfig) {
  const { outDir, name, version, description } = state.options!;
  const pkg = await writeBundlePackage(outDir, {
    name,
    version,
    description,
    parameters: state.parameters,
    css: state.css,
    actions: state.actions,
    plugins: state.plugins,
    dependencies: state.dependencies,
    pluginVersion,
  });
  printSummary(config, outDir, pkg.mikr0.sizes as Record<string, { raw: number; gzip: number }>, `${name}@${version}`);
}

function printSummary(config: ResolvedConfig, outDir: string, sizes: Record<string, { raw: number; gzip: number }>, label: string) {
  // kB as Vite prints them (1000 bytes), so the two summaries agree.
  const kb = (n: number) => `${(n / 1000).toFixed(2)} kB`;
  const width = Math.max(...Object.keys(sizes).map((f) => f.length));
  const dir = path.relative(config.root, outDir) || '.';
  const lines = Object.entries(sizes).map(([file, s]) => `  ${dir}/${file.padEnd(width)}  ${kb(s.raw).padStart(10)} │ gzip: ${kb(s.gzip).padStart(9)}`);
  config.logger.info(`\nmikr0: ${label} is ready to publish from ${dir}/ (npx mikr0 publish ${dir})\n${lines.join('\n')}`);
}
