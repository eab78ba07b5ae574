/**
 * The registry config file: a module whose default export is RegistryOptions plus `port`
 * and `host`. JavaScript loads with plain import(); TypeScript needs Node's type stripping
 * or Vite's module runner, so a TS config never requires a build step of its own.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { registryOptionKeys, type RegistryOptions } from '../registry-lite/index.js';
import { cliError, note } from './output.js';

export interface RegistryConfig extends RegistryOptions {
  port?: number;
  host?: string;
}

export interface LoadedConfig {
  /** Absolute path of the file, or undefined when there was none. */
  file?: string;
  config: RegistryConfig;
}

/** Looked for in the working folder when no --config is given. */
const DEFAULT_NAMES = ['mikr0.config.js', 'mikr0.config.mjs', 'mikr0.config.ts', 'mikr0.config.mts'];
const KNOWN_KEYS = new Set<string>([...registryOptionKeys, 'port', 'host']);

export async function loadConfig(file: string | undefined, cwd = process.cwd()): Promise<LoadedConfig> {
  let absolute: string | undefined;
  if (file) {
    absolute = path.resolve(cwd, file);
    if (!fs.existsSync(absolute)) throw cliError(`config file ${absolute} does not exist`);
  } else {
    absolute = DEFAULT_NAMES.map((name) => path.join(cwd, name)).find((candidate) => fs.existsSync(candidate));
    if (!absolute) return { config: {} };
  }
  const exported = await importConfig(absolute);
  const config = (exported as { default?: unknown })?.default ?? exported;
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw cliError(
      `${absolute} must default-export an object of registry options`,
      'e.g. export default { dataDir: ".mikr0", limits: { maxBundleBytes: 5_000_000 } }',
    );
  }
  // A typo ("limit", "datadir") would otherwise be ignored without a word.
  const unknown = Object.keys(config).filter((key) => !KNOWN_KEYS.has(key));
  if (unknown.length) note(`warning: ${path.basename(absolute)} has unknown keys: ${unknown.join(', ')}`);
  return { file: absolute, config: relativeTo(path.dirname(absolute), config as RegistryConfig) };
}

/** Folders in a config file mean "next to the config", as in vite.config, not "wherever I ran it". */
function relativeTo(dir: string, config: RegistryConfig): RegistryConfig {
  const out = { ...config };
  if (typeof out.dataDir === 'string') out.dataDir = path.resolve(dir, out.dataDir);
  if (typeof out.root === 'string') out.root = path.resolve(dir, out.root);
  if (typeof out.database === 'string' && out.database !== ':memory:') out.database = path.resolve(dir, out.database);
  // The seed forms too: { type: 'sqlite', options: { file } }, { type: 'filesystem', options: { folder } }.
  const file = declared(out.database, 'sqlite', 'file');
  if (file !== undefined && file !== ':memory:') out.database = { type: 'sqlite', options: { file: path.resolve(dir, file) } };
  const folder = declared(out.storage, 'filesystem', 'folder');
  if (folder !== undefined) out.storage = { type: 'filesystem', options: { folder: path.resolve(dir, folder) } };
  return out;
}

/** `value.options[key]` when `value` is `{ type, options: { [key]: string } }`. */
function declared(value: unknown, type: string, key: string): string | undefined {
  const { type: actual, options } = (value ?? {}) as { type?: unknown; options?: Record<string, unknown> };
  const found = actual === type && typeof options === 'object' && options !== null ? options[key] : undefined;
  return typeof found === 'string' && found !== '' ? found : undefined;
}

async function importConfig(file: string): Promise<unknown> {
  try {
    if (!/\.m?ts$/.test(file)) return await import(pathToFileURL(file).href);
    // Node >= 22.6 strips types itself (flagged before 23.6, on by default after).
    if ((process.features as { typescript?: unknown }).typescript) return await import(pathToFileURL(file).href);
    const vite = await importVite();
    if (vite?.runnerImport) return (await vite.runnerImport(file)).module;
  } catch (error) {
    throw cliError(`cannot load ${file}: ${(error as Error)?.message ?? error}`);
  }
  throw cliError('TypeScript config needs Node >= 22.6 or vite installed; or use mikr0.config.js');
}

interface ViteLike {
  runnerImport?: (id: string) => Promise<{ module: unknown }>;
}

/** Vite is optional here (a registry host may not have it), so a missing one is not an error. */
async function importVite(): Promise<ViteLike | undefined> {
  // A variable specifier keeps TypeScript from requiring vite's types at build time.
  const specifier = 'vite';
  try {
    return (await import(specifier)) as ViteLike;
  } catch {
    return undefined;
  }
}
