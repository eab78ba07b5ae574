/** mikr0() options: typed and defaulted once, from the plugin call and the project's package.json. */
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_TIMEOUT_MS } from '../runtime/node/sandbox/defaults.js';
import { resolveFetchPolicy, type FetchPolicyOptions } from '../runtime/node/sandbox/fetch-policy.js';

export interface Mikr0Options {
  /** The component entry (default: src/index.{ts,tsx,js,jsx}). */
  entry?: string;
  /** Component name and version (default: the project's package.json). */
  name?: string;
  version?: string;
  /**
   * Where `vite build` writes the publishable bundle. Default: `dist` when the project is only
   * the component (no index.html at its root); `dist-mikr0` when the project is an app with an
   * index.html of its own, whose build keeps `build.outDir` (dist) as it would without mikr0():
   * the bundle holds server code, so it never goes inside a folder deployed as a static site
   * (an outDir inside the app's build.outDir is refused). `npx mikr0 publish` looks in
   * dist-mikr0, then dist.
   */
  outDir?: string;
  /**
   * Packages the registry shares with server code: left as `require()` in server.cjs
   * (they must be in the registry's `dependencies`). Everything else is bundled.
   */
  dependencies?: string[];
  /** Dev-time stand-ins for registry plugins (merged over `createComponent({ plugins })`). */
  plugins?: Record<string, (...args: any[]) => unknown>;
  /** Registry to ask, in dev, for components this project does not have (env MIKR0_FALLBACK). */
  registryFallbackUrl?: string;
  /** Milliseconds the dev server waits for the fallback registry (default 5000). */
  fallbackTimeout?: number;
  /**
   * Milliseconds a loader or action may take in `vite dev` and `vite preview` (default 5000,
   * the registry's default): set it to the `timeout` of the registry you publish to.
   */
  timeout?: number;
  /**
   * Where `fetch` in server code may go in `vite dev` and `vite preview`, as the registry's
   * `fetch` option: default public hosts only (never loopback, private or link-local
   * addresses); `{ allow: ['api.example.com', 'localhost:8080'] }` lists the only hosts
   * allowed; `false` turns fetch off. Set it as the registry you publish to has it.
   */
  fetch?: FetchPolicyOptions | false;
  /**
   * Packages the components of a page share in the browser, each loaded once per compatible
   * version (the range your package.json declares): react (+ react-dom), preact, vue, svelte and
   * solid-js by default; list more (`['some-lib']`, or a sub-entry such as `'preact/compat'`,
   * which joins its package's group). `false` bundles everything into the component, unshared.
   * Built bundles only: `vite dev` serves one copy per page anyway.
   */
  shared?: string[] | false;
}

export interface ResolvedOptions {
  root: string;
  entry: string;
  name: string;
  version: string;
  description: string;
  outDir: string;
  /** The project has an index.html of its own: an app whose build and `/` mikr0() leaves alone. */
  page: boolean;
  dependencies: string[];
  plugins: Record<string, (...args: any[]) => unknown>;
  registryFallbackUrl: string | null;
  fallbackTimeout: number;
  timeout: number;
  fetch: FetchPolicyOptions | false | undefined;
  /** Packages shared in the browser beyond the defaults, or false: nothing shared. */
  shared: string[] | false;
}

/** The bundle folder of a project that is also an app (has an index.html): beside the app's dist. */
export const APP_BUNDLE_DIR = 'dist-mikr0';

const ENTRIES = ['src/index.ts', 'src/index.tsx', 'src/index.js', 'src/index.jsx'];

export function resolveOptions(options: Mikr0Options, root: string, env: NodeJS.ProcessEnv = process.env): ResolvedOptions {
  const pkgPath = path.join(root, 'package.json');
  const pkg = fs.existsSync(pkgPath) ? JSON.parse(fs.readFileSync(pkgPath, 'utf8')) : {};
  const entry = options.entry ? path.resolve(root, options.entry) : ENTRIES.map((e) => path.join(root, e)).find((e) => fs.existsSync(e));
  if (!entry || !fs.existsSync(entry)) {
    throw new Error(
      options.entry
        ? `mikr0: the entry "${options.entry}" does not exist (option \`entry\` in mikr0())`
        : `mikr0: no component entry found: create src/index.ts (or .tsx/.js/.jsx), or set mikr0({ entry: 'path/to/component.ts' })`,
    );
  }
  const name = options.name ?? pkg.name;
  const version = options.version ?? pkg.version;
  if (typeof name !== 'string' || !name) throw new Error('mikr0: the component needs a name: set "name" in package.json or mikr0({ name })');
  if (typeof version !== 'string' || !version) throw new Error('mikr0: the component needs a version: set "version" in package.json or mikr0({ version })');
  const fallback = options.registryFallbackUrl ?? env.MIKR0_FALLBACK ?? null;
  if (fallback !== null && !/^https?:\/\/[^/]/.test(fallback)) {
    throw new Error(`mikr0: registryFallbackUrl must be an absolute http(s) URL such as https://registry.example.com, got "${fallback}"`);
  }
  const timeout = options.timeout ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isInteger(timeout) || timeout <= 0) throw new Error(`mikr0: timeout must be a positive integer of milliseconds, got ${JSON.stringify(timeout)}`);
  try {
    resolveFetchPolicy(options.fetch);
  } catch (error: any) {
    throw new Error(`mikr0: the \`fetch\` option is not valid: ${error?.message ?? error}`);
  }
  const shared = options.shared ?? [];
  if (shared !== false && (!Array.isArray(shared) || shared.some((s) => typeof s !== 'string' || !s || s.startsWith('.') || path.isAbsolute(s)))) {
    throw new Error(`mikr0: shared must be a list of package names (such as ['some-lib']) or false, got ${JSON.stringify(shared)}`);
  }
  const page = fs.existsSync(path.join(root, 'index.html'));
  return {
    root,
    entry,
    name,
    version,
    description: typeof pkg.description === 'string' ? pkg.description : '',
    outDir: path.resolve(root, options.outDir ?? (page ? APP_BUNDLE_DIR : 'dist')),
    page,
    dependencies: options.dependencies ?? [],
    plugins: options.plugins ?? {},
    registryFallbackUrl: fallback?.replace(/\/+$/, '') ?? null,
    fallbackTimeout: options.fallbackTimeout ?? 5000,
    timeout,
    fetch: options.fetch,
    shared,
  };
}
