import { createRequire, isBuiltin } from 'node:module';
import path from 'node:path';

/** `lodash/fp` → `lodash`, `@scope/pkg/x` → `@scope/pkg`, `node:fs` → `fs`. */
export function packageName(specifier: string): string | null {
  if (specifier.startsWith('node:')) return specifier.slice(5);
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.includes('\\')) return null;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? (parts.length >= 2 && parts[1] ? `${parts[0]}/${parts[1]}` : null) : parts[0] || null;
}

/**
 * `require` for server code: only the registry's `dependencies` (npm packages and Node
 * built-ins, written with or without `node:`). Returns the module, or a string saying
 * why it was refused — the sandbox turns that into its own error.
 */
export function createRequireGuard(dependencies: string[] | true, root: string) {
  const allowed = dependencies === true ? null : new Set(dependencies.map((d) => (d.startsWith('node:') ? d.slice(5) : d)));
  const hostRequire = createRequire(path.join(path.resolve(root), 'noop.js'));
  const cache = new Map<string, unknown>();
  return function guardedRequire(specifier: string): unknown {
    const cached = cache.get(specifier);
    if (cached !== undefined) return cached;
    const name = packageName(specifier);
    if (name === null) {
      return `require("${specifier}") is not allowed: server code is one bundled file, so relative and absolute requires cannot work. Bundle the module instead.`;
    }
    const builtin = isBuiltin(specifier) || isBuiltin(`node:${name}`);
    if (allowed && !allowed.has(name)) {
      const kind = builtin ? 'Node built-in' : 'package';
      return `require("${specifier}") is not allowed: the ${kind} "${name}" is not in this registry's dependencies allow-list. Bundle it into server.cjs, or ask the registry operator to add it.`;
    }
    try {
      const loaded = builtin ? hostRequire(specifier.startsWith('node:') ? specifier : `node:${specifier}`) : hostRequire(specifier);
      cache.set(specifier, loaded);
      return loaded;
    } catch (error: any) {
      return `require("${specifier}") failed: the registry could not load it (${error?.code ?? error?.message ?? error}). Install it next to the registry.`;
    }
  };
}
