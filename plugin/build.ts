/**
 * mikr0:build — one plain `vite build` builds the client half (template.js, ES module, CSS and
 * assets beside it) and the server half (server.cjs, CommonJS, shared dependencies left as
 * require()), then writes the bundle's package.json with sizes and integrity.
 */
import path from 'node:path';
import type { Plugin, ResolvedConfig, Rolldown } from 'vite';
import { writeBundlePackage } from '../bundle/index.js';
import { packageVersion as pluginVersion } from '../runtime/node/package-root.js';
import type { PluginState } from './state.js';

export function buildPlugin(state: PluginState): Plugin {
  let config: ResolvedConfig;
  return {
    name: 'mikr0:build',
    apply: 'build',
    sharedDuringBuild: true,

    config() {
      const { entry, outDir, dependencies } = state.options!;
      const external = (id: string) => dependencies.some((d) => id === d || id.startsWith(`${d}/`));
      return {
        // Any `builder` config makes `vite build` build every environment (buildApp below).
        builder: {},
        // Client assets resolve next to template.js, wherever a registry serves it.
        experimental: { renderBuiltUrl: (_file, { ssr }) => (ssr ? undefined : { relative: true }) },
        environments: {
          client: {
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
          },
          server: {
            consumer: 'server',
            resolve: { noExternal: true, external: dependencies },
            build: {
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

    generateBundle(_output, bundle) {
      const entry = Object.values(bundle).find((file): file is Rolldown.OutputChunk => file.type === 'chunk' && file.isEntry);
      if (!entry) return;
      if (this.environment.config.consumer === 'server') {
        state.dependencies = entry.imports.filter((id) => !bundle[id]);
      } else {
        state.css = [...(entry.viteMetadata?.importedCss ?? [])];
      }
    },

    async buildApp(builder) {
      await builder.build(builder.environments.client);
      await builder.build(builder.environments.server);
      await writeManifest(state, config);
    },
  };
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
  config.logger.info(`\nmikr0: ${label} is ready to publish (npx mikr0 publish ${dir})\n${lines.join('\n')}`);
}
