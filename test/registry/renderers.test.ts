/**
 * Real server renderers, bundled the way a component's server code would be (one CommonJS
 * file, edge/worker builds, no Node built-ins), then published to a real registry and rendered
 * in its sandbox: the globals a server renderer needs are the sandbox's own.
 */
import fs from 'node:fs/promises';
import { builtinModules } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { build, type Plugin, type PluginOption } from 'vite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { publishServer, root, startRegistry, type TestRegistry } from '../helpers.js';

const PROPS = { name: 'Sandbox & co', items: ['a', 'b'] };
const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

let outRoot: string;
let registry: TestRegistry;
beforeAll(async () => {
  outRoot = await fs.mkdtemp(path.join(os.tmpdir(), 'mikr0-renderers-'));
  registry = await startRegistry();
});
afterAll(async () => {
  await registry?.close();
  if (outRoot) await fs.rm(outRoot, { recursive: true, force: true });
});

interface Bundle {
  code: string;
  /** Node built-ins the bundle imports, replaced by modules that throw when loaded. */
  stubbed: string[];
}

/**
 * Bundles `files` (their `entry.js`/`entry.jsx` first) to one CommonJS file. The sources live
 * at made-up paths inside the project so that bare imports resolve from its node_modules.
 */
async function bundle(name: string, files: Record<string, string>, plugins: PluginOption[] = []): Promise<Bundle> {
  const dir = path.join(root, `__sandbox_renderers_${name}__`);
  const sources = new Map(Object.entries(files).map(([file, code]) => [path.join(dir, file), code]));
  const entry = [...sources.keys()][0]!;
  const stubbed = new Set<string>();
  const virtual: Plugin = {
    name: 'sandbox-renderers:sources',
    enforce: 'pre',
    resolveId(id, importer) {
      if (sources.has(id)) return id;
      if (importer && sources.has(importer) && id.startsWith('.')) {
        const resolved = path.resolve(path.dirname(importer), id);
        if (sources.has(resolved)) return resolved;
      }
      // A Node built-in has no place in the sandbox: it becomes a module that throws when
      // loaded, so a bundle that needs one fails loudly, and one that only might (behind a
      // dynamic import) still bundles.
      if (builtins.has(id)) {
        stubbed.add(id);
        return `\0sandbox-missing:${id}`;
      }
      return null;
    },
    load(id) {
      if (sources.has(id)) return sources.get(id)!;
      if (id.startsWith('\0sandbox-missing:')) {
        const module = id.slice('\0sandbox-missing:'.length);
        return `throw new Error(${JSON.stringify(`${module} is not available in the sandbox`)});`;
      }
      return null;
    },
  };
  const outDir = path.join(outRoot, name);
  const conditions = ['worker', 'edge-light', 'module', 'production'];
  await build({
    configFile: false,
    root,
    logLevel: 'warn',
    mode: 'production',
    publicDir: false,
    plugins: [virtual, ...plugins],
    define: {
      'process.env.NODE_ENV': JSON.stringify('production'),
      __VUE_OPTIONS_API__: 'true',
      __VUE_PROD_DEVTOOLS__: 'false',
      __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
    },
    resolve: { conditions, mainFields: ['module', 'main'] },
    ssr: { target: 'webworker', noExternal: true, resolve: { conditions, externalConditions: conditions } },
    build: {
      ssr: entry,
      outDir,
      emptyOutDir: true,
      minify: false,
      rolldownOptions: { output: { format: 'cjs', entryFileNames: 'bundle.cjs' } },
    },
  });
  const code = await fs.readFile(path.join(outDir, 'bundle.cjs'), 'utf8');
  return { code, stubbed: [...stubbed].sort() };
}

let published = 0;

/**
 * Publishes the bundle as a component's server code (its `render` as the component's render,
 * a loader answering PROPS) to a real registry, and renders it there: the registry's sandbox
 * process, vm context and globals, nothing else.
 */
async function renderInSandbox(code: string): Promise<string> {
  // No require in the sandbox: a bundle that still needs one is a bundle that cannot run.
  const requires = code.match(/\brequire\(\s*["'`][^"'`]*["'`]\s*\)/g);
  if (requires) throw new Error(`the bundle still requires modules: ${[...new Set(requires)].join(', ')}`);
  const name = `renderer-${published++}`;
  const server = `${code}\nmodule.exports.loader = () => (${JSON.stringify(PROPS)});\n`;
  await publishServer(registry, name, server);
  const render = await fetch(`${registry.url}/r/component/${name}/1.0.0`);
  const body = await render.json();
  expect(body.error).toBeUndefined();
  expect(render.status).toBe(200);
  expect(body.data).toEqual(PROPS);
  const problems = registry.logger.lines.filter((line) => line.includes(`[${name}@1.0.0]`));
  expect(problems).toEqual([]);
  return body.html;
}

/** Hydration markers aside, what a browser would show. */
const visible = (html: string) => html.replace(/<!--[^]*?-->/g, '').replace(/ data-hk="[^"]*"/g, '');

describe('server renderers in the sandbox', () => {
  test('React 19: renderToString from react-dom/server.browser (MessageChannel, TextEncoder at load)', async () => {
    const { code, stubbed } = await bundle('react', {
      'entry.js': `
        import { createElement as h, useId, useState } from 'react';
        import { renderToString } from 'react-dom/server.browser';
        function List({ items }) {
          const id = useId();
          const [open] = useState(true);
          return h('ul', { id, 'data-open': open }, items.map((item) => h('li', { key: item }, item)));
        }
        export function render(props) {
          return renderToString(h('main', null, h('h1', null, 'Hello ', props.name, '!'), h(List, { items: props.items })));
        }
      `,
    });
    expect(stubbed).toEqual([]);
    // The browser build sets up its scheduler when it loads.
    expect(code).toContain('new MessageChannel()');
    const html = await renderInSandbox(code);
    expect(html).toMatch(/^<main><h1>Hello <!-- -->Sandbox &amp; co<!-- -->!<\/h1><ul id="[^"]+" data-open="true"><li>a<\/li><li>b<\/li><\/ul><\/main>$/);
  });

  test('Preact: renderToString from preact-render-to-string', async () => {
    const { code, stubbed } = await bundle('preact', {
      'entry.js': `
        import { h } from 'preact';
        import { useState } from 'preact/hooks';
        import { renderToString } from 'preact-render-to-string';
        function List({ items }) {
          const [count] = useState(items.length);
          return h('section', null, h('ul', null, items.map((item) => h('li', { key: item }, item))), h('p', null, count, ' items'));
        }
        export function render(props) {
          return renderToString(h('main', null, h('h1', null, 'Hello ', props.name, '!'), h(List, { items: props.items })));
        }
      `,
    });
    expect(stubbed).toEqual([]);
    expect(visible(await renderInSandbox(code))).toBe(
      '<main><h1>Hello Sandbox &amp; co!</h1><section><ul><li>a</li><li>b</li></ul><p>2 items</p></section></main>',
    );
  });

  test('Vue 3: createSSRApp + renderToString from vue/server-renderer', async () => {
    const { code, stubbed } = await bundle('vue', {
      'entry.js': `
        import { createSSRApp, h, ref } from 'vue';
        import { renderToString } from 'vue/server-renderer';
        export function render(props) {
          const app = createSSRApp({
            setup() {
              const count = ref(props.items.length);
              return () => h('section', [
                h('h1', 'Hello ' + props.name + '!'),
                h('ul', props.items.map((item) => h('li', { key: item }, item))),
                h('p', count.value + ' items'),
              ]);
            },
          });
          return renderToString(app);
        }
      `,
    });
    expect(stubbed).toEqual([]);
    expect(await renderInSandbox(code)).toBe(
      '<section><h1>Hello Sandbox &amp; co!</h1><ul><li>a</li><li>b</li></ul><p>2 items</p></section>',
    );
  });

  test('Svelte 5: a component compiled with generate: "server", rendered with svelte/server', async () => {
    const { compile } = await import('svelte/compiler');
    const component = compile(
      `<script>
        let { name, items = [] } = $props();
        let count = $state(items.length);
      </script>
      <h1>Hello {name}!</h1>
      <ul>{#each items as item}<li>{item}</li>{/each}</ul>
      <p>{count} items</p>`,
      { generate: 'server', filename: 'Greeting.svelte' },
    );
    const { code, stubbed } = await bundle('svelte', {
      'entry.js': `
        import { render as renderComponent } from 'svelte/server';
        import Greeting from './Greeting.svelte.js';
        export function render(props) {
          return renderComponent(Greeting, { props }).body;
        }
      `,
      'Greeting.svelte.js': component.js.code,
    });
    // Only the async render path wants AsyncLocalStorage; the synchronous one never loads it.
    expect(stubbed).toEqual(['node:async_hooks']);
    expect(visible(await renderInSandbox(code)).replace(/\s+</g, '<').trim()).toBe(
      '<h1>Hello Sandbox &amp; co!</h1><ul><li>a</li><li>b</li></ul><p>2 items</p>',
    );
  });

  test('Solid: renderToString from solid-js/web (server build, JSX compiled by vite-plugin-solid)', async () => {
    const { default: solid } = await import('vite-plugin-solid');
    const { code, stubbed } = await bundle(
      'solid',
      {
        'entry.jsx': `
          import { renderToString } from 'solid-js/web';
          import { createSignal, For } from 'solid-js';
          function App(props) {
            const [count] = createSignal(props.items.length);
            return (
              <section>
                <h1>Hello {props.name}!</h1>
                <ul><For each={props.items}>{(item) => <li>{item}</li>}</For></ul>
                <p>{count()} items</p>
              </section>
            );
          }
          export function render(props) {
            return renderToString(() => <App {...props} />);
          }
        `,
      },
      [solid({ ssr: true })],
    );
    expect(stubbed).toEqual([]);
    expect(visible(await renderInSandbox(code))).toBe(
      '<section><h1>Hello Sandbox &amp; co!</h1><ul><li>a</li><li>b</li></ul><p>2 items</p></section>',
    );
  });
});
