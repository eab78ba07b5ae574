/**
 * mikr0:share — framework packages shared between the components of a page (issue 14).
 *
 * In the component's client build only (never the server half, never an app's own build, never
 * `vite dev`, where Vite's dependency optimizer already serves one copy per page), each import
 * of a shared package (`react`, `react-dom/client`, `preact/hooks`, …) becomes a small module
 * that asks the page's share scope for it with top-level await (runtime/client/share.ts,
 * `globalThis.mikr0Share`, installed by the first template.js on the page that needs it) and
 * re-exports its names (enumerated at build time: `export *` cannot re-export from a module
 * chosen at run time).
 *
 * Packages are shared in GROUPS (Module Federation shares each request on its own): react,
 * react/jsx-runtime, react-dom and react-dom/client are one group, and a component takes every
 * member of a group from the same provider, so one React instance serves hooks and context.
 * The group's own copy (all its members, one chunk) is loaded only when nothing compatible is on
 * the page. Inside a group's own files imports stay real (react-dom's `require('react')` is its
 * own group's react): CommonJS cannot wait for a top-level await, and a group is one unit anyway.
 *
 * The range a component needs is the one its package.json declares (dependencies,
 * devDependencies or peerDependencies of the group's first package), normalised by semver to
 * comparator sets the runtime's small checker reads; `^installed` when none is declared.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import type { Plugin } from 'vite';
import type { PluginState } from './state.js';

/** The default groups: a framework's entry points that must come from one copy. */
export const DEFAULT_SHARED: readonly (readonly string[])[] = [
  ['react', 'react/jsx-runtime', 'react-dom', 'react-dom/client'],
  ['preact', 'preact/hooks', 'preact/jsx-runtime'],
  ['vue'],
  ['svelte', 'svelte/internal/client', 'svelte/internal/disclose-version', 'svelte/internal/flags/legacy', 'svelte/store'],
  ['solid-js', 'solid-js/web', 'solid-js/store'],
];

export interface SharedGroup {
  /** The group's first package: its version and range stand for the group. */
  name: string;
  version: string;
  range: string;
  /** Import specifiers served by the group. */
  members: string[];
  /** Packages whose files belong to the group's own copy. */
  packages: string[];
}

const SCOPE = '\0mikr0-share:scope';
const GROUP = '\0mikr0-share:group:';
const OWN = '\0mikr0-share:own:';
const MEMBER = '\0mikr0-share:member:';

/** `react-dom/client` → `react-dom`; `@scope/pkg/sub` → `@scope/pkg`. */
export const packageOf = (specifier: string) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

function findPackageJson(root: string, name: string): string | null {
  for (let dir = root; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'node_modules', name, 'package.json');
    if (fs.existsSync(file)) return file;
    if (path.dirname(dir) === dir) return null;
  }
}

/** The range the project declares for `name`, as comparator sets (`>=19.3.1 <20.0.0-0`); null if none usable. */
export function declaredRange(pkg: Record<string, any>, name: string): string | null {
  const raw = pkg.dependencies?.[name] ?? pkg.peerDependencies?.[name] ?? pkg.devDependencies?.[name];
  if (typeof raw !== 'string') return null;
  try {
    return new semver.Range(raw).range || '*';
  } catch {
    // `workspace:*`, `file:`, a tag: nothing to compare with.
    return null;
  }
}

/**
 * The groups to share in a project: the defaults plus `extra` (a package joins the group of its
 * package name, or starts one), keeping only groups whose first package is installed.
 */
export function resolveSharedGroups(root: string, extra: string[]): SharedGroup[] {
  const lists = DEFAULT_SHARED.map((members) => [...members]);
  for (const specifier of extra) {
    const pkg = packageOf(specifier);
    const group = lists.find((members) => members.some((m) => packageOf(m) === pkg));
    if (!group) lists.push([specifier]);
    else if (!group.includes(specifier)) group.push(specifier);
  }
  const pkgFile = path.join(root, 'package.json');
  const project = fs.existsSync(pkgFile) ? JSON.parse(fs.readFileSync(pkgFile, 'utf8')) : {};
  const groups: SharedGroup[] = [];
  for (const members of lists) {
    const name = packageOf(members[0]!);
    const file = findPackageJson(root, name);
    if (!file) continue;
    const version = JSON.parse(fs.readFileSync(file, 'utf8')).version as string;
    if (!semver.valid(version)) continue;
    const range = declaredRange(project, name) ?? new semver.Range(`^${version}`).range;
    groups.push({ name, version, range, members, packages: [...new Set(members.map(packageOf))] });
  }
  return groups;
}

/** The runtime's share scope, as source the component's build bundles (TypeScript when run from the sources). */
function shareScopeSource(): string {
  const js = fileURLToPath(new URL('../runtime/client/share.js', import.meta.url));
  return fs.existsSync(js) ? js : js.replace(/\.js$/, '.ts');
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

export function sharePlugin(state: PluginState, componentEnvironment: () => string): Plugin {
  let groups: SharedGroup[] = [];
  const groupOf = (specifier: string) => groups.find((g) => g.members.includes(specifier));
  /** A file of a group's own copy: its imports stay real. */
  const insideGroup = (file: string) => {
    const normalized = file.split(path.sep).join('/');
    return groups.some((g) => g.packages.some((p) => normalized.includes(`/node_modules/${p}/`)));
  };
  return {
    name: 'mikr0:share',
    apply: 'build',
    enforce: 'pre',
    applyToEnvironment: (environment) => state.options!.shared !== false && environment.name === componentEnvironment(),

    buildStart() {
      const { root, shared } = state.options!;
      groups = shared === false ? [] : resolveSharedGroups(root, shared);
      for (const specifier of shared || []) {
        if (!groupOf(specifier)) this.warn(`mikr0: "${specifier}" (option \`shared\`) is not installed in this project: it is not shared`);
      }
    },

    resolveId(source, importer, extra) {
      if (source.startsWith('\0mikr0-share:')) return source;
      if (!importer || importer.startsWith(OWN) || insideGroup(importer)) return null;
      // CommonJS cannot wait for a top-level await: a require() of React from CommonJS code outside
      // the group's packages gets this bundle's own copy, unshared (ES modules are shared).
      if ((extra as { kind?: string } | undefined)?.kind === 'require-call') return null;
      return groupOf(source) ? MEMBER + source : null;
    },

    async load(id) {
      if (id === SCOPE) {
        return `import { installShareScope } from ${JSON.stringify(shareScopeSource())};\nexport const share = installShareScope();\n`;
      }
      if (id.startsWith(OWN)) {
        const group = groups.find((g) => g.name === id.slice(OWN.length))!;
        const present: string[] = [];
        for (const member of group.members) if (await this.resolve(member, id)) present.push(member);
        return [
          ...present.map((m, i) => `import * as m${i} from ${JSON.stringify(m)};`),
          `export default { ${present.map((m, i) => `${JSON.stringify(m)}: m${i}`).join(', ')} };`,
        ].join('\n');
      }
      if (id.startsWith(GROUP)) {
        const group = groups.find((g) => g.name === id.slice(GROUP.length))!;
        const own = JSON.stringify(OWN + group.name);
        return [
          `import { share } from ${JSON.stringify(SCOPE)};`,
          `export const own = () => import(${own}).then((m) => m.default);`,
          `export default await share(${[group.name, group.version, group.range].map((s) => JSON.stringify(s)).join(', ')}, own);`,
        ].join('\n');
      }
      if (id.startsWith(MEMBER)) {
        const member = id.slice(MEMBER.length);
        const group = groupOf(member)!;
        const names = await exportNames.call(this, member, state.options!.root);
        // Locals of our own, so a name that is a keyword (Svelte's `$.if`, `$.each`) can be exported too.
        const named = names.filter((n) => n !== 'default' && IDENTIFIER.test(n));
        return [
          `import group, { own } from ${JSON.stringify(GROUP + group.name)};`,
          // A provider built with fewer members than this component: this member from its own copy.
          `const m = group[${JSON.stringify(member)}] ?? (await own())[${JSON.stringify(member)}];`,
          named.length ? `const { ${named.map((n, i) => `${n}: _${i}`).join(', ')} } = m;` : '',
          named.length ? `export { ${named.map((n, i) => `_${i} as ${n}`).join(', ')} };` : '',
          `export default m.default;`,
        ].join('\n');
      }
      return null;
    },
  };
}

/**
 * The names a shared module exports, as the browser build resolves it: the bundler's module info
 * lists an ES module's own names; for CommonJS (React: none listed) and for `export * from`
 * (Vue: listed as `*`) Node's `require` of the package completes the list, as the bundler's
 * interop exposes the same names. A name the browser module lacks is exported as undefined.
 */
async function exportNames(this: any, specifier: string, root: string): Promise<string[]> {
  const resolved = await this.resolve(specifier, OWN + packageOf(specifier));
  const listed: string[] = resolved ? ((await this.load({ id: resolved.id }))?.exports ?? []) : [];
  const names = new Set(listed.filter((name) => name !== '*'));
  if (names.size === 0 || listed.includes('*')) {
    try {
      const exports = createRequire(path.join(root, 'package.json'))(specifier);
      for (const name of Object.keys(exports)) names.add(name);
    } catch {
      // A package require() cannot load: the bundler's list stands.
    }
  }
  return [...names];
}
