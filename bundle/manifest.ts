/**
 * Checks a bundle's package.json against the URL and the archive, and builds the manifest
 * the registry keeps. Sizes and integrity are computed here from the bytes, never trusted.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import semver from 'semver';
import { badRequest, type ErrorDetail } from '../runtime/shared/errors.js';
import type { ParametersSchema } from '../runtime/shared/component.js';
import type { ArchiveFile, FileInfo, Manifest } from './types.js';

const NAME = /^(?:@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;

/** npm's rules for new package names; returns the problem, or null when the name is fine. */
export function nameProblem(name: string): string | null {
  if (name.length === 0) return 'the name is empty';
  if (name.length > 214) return 'the name is longer than 214 characters';
  if (name !== name.toLowerCase()) return 'the name has upper-case letters';
  if (/^[._]/.test(name)) return 'the name starts with "." or "_"';
  if (name !== name.trim()) return 'the name has surrounding spaces';
  if (!NAME.test(name)) return 'the name may only hold a-z, 0-9, "-", ".", "_", "~" (and one "@scope/" prefix)';
  return null;
}

export function versionProblem(version: string): string | null {
  return semver.valid(version) === version ? null : `"${version}" is not an exact semver version such as 1.0.0`;
}

export function fileInfo(data: Uint8Array): FileInfo {
  return {
    size: data.length,
    gzip: gzipSync(data, { level: 9 }).length,
    integrity: `sha256-${createHash('sha256').update(data).digest('base64')}`,
  };
}

type Json = Record<string, any>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Validates the bundle and returns its description and manifest; every problem in one 400. */
export function buildManifest(
  name: string,
  version: string,
  files: ArchiveFile[],
  registry: { plugins: string[]; dependencies: string[] | true },
): { description: string; manifest: Manifest } {
  const byPath = new Map(files.map((f) => [f.path, f.data]));
  const raw = byPath.get('package.json');
  if (!raw) throw badRequest('The bundle has no package.json at its root: publish the dist/ folder that `vite build` writes');
  let pkg: Json;
  try {
    pkg = JSON.parse(Buffer.from(raw).toString('utf8'));
  } catch (error: any) {
    throw badRequest(`The bundle's package.json is not valid JSON: ${error.message}`);
  }
  if (!isObject(pkg)) throw badRequest("The bundle's package.json must hold an object");

  const details: ErrorDetail[] = [];
  const problem = (path: string, message: string) => details.push({ path, message });
  if (pkg.name !== name) problem('package.json#name', `is ${JSON.stringify(pkg.name)} but the URL publishes "${name}"`);
  if (pkg.version !== version) problem('package.json#version', `is ${JSON.stringify(pkg.version)} but the URL publishes "${version}"`);
  const mikr0: Json = isObject(pkg.mikr0) ? pkg.mikr0 : {};
  if (!isObject(pkg.mikr0)) problem('package.json#mikr0', 'is missing: build the bundle with the mikr0() Vite plugin');
  const declared: Json = isObject(mikr0.files) ? mikr0.files : {};

  const template = typeof declared.template === 'string' ? declared.template : 'template.js';
  if (!byPath.has(template)) problem(template, 'the client entry is missing from the bundle');
  const serverName = typeof declared.server === 'string' ? declared.server : 'server.cjs';
  const server = byPath.has(serverName) ? serverName : null;
  if (typeof declared.server === 'string' && !server) problem(serverName, 'the server code named in package.json is missing from the bundle');
  const css: string[] = Array.isArray(declared.css) ? declared.css.filter((f: unknown) => typeof f === 'string') : [];
  for (const file of css) if (!byPath.has(file)) problem(file, 'a stylesheet named in package.json is missing from the bundle');

  const parameters = mikr0.parameters === undefined ? undefined : checkParameters(mikr0.parameters, problem);
  const actions = stringList(mikr0.actions, 'package.json#mikr0.actions', problem);
  const plugins = stringList(mikr0.plugins, 'package.json#mikr0.plugins', problem);
  for (const plugin of plugins) {
    if (!registry.plugins.includes(plugin)) {
      problem('package.json#mikr0.plugins', `the component needs the plugin "${plugin}", which this registry does not provide`);
    }
  }
  const dependencies = stringList(mikr0.dependencies, 'package.json#mikr0.dependencies', problem);
  for (const dependency of dependencies) {
    const bare = dependency.replace(/^node:/, '');
    const allowed = registry.dependencies === true || registry.dependencies.some((d) => d.replace(/^node:/, '') === bare);
    if (!allowed) problem('package.json#mikr0.dependencies', `"${dependency}" is not in this registry's dependencies allow-list: bundle it instead`);
  }

  const infos: Record<string, FileInfo> = {};
  for (const file of files) infos[file.path] = fileInfo(file.data);
  const claimedIntegrity: Json = isObject(mikr0.integrity) ? mikr0.integrity : {};
  for (const [file, claimed] of Object.entries(claimedIntegrity)) {
    if (!infos[file]) problem(`package.json#mikr0.integrity`, `names ${file}, which is not in the bundle`);
    else if (claimed !== infos[file].integrity) problem(file, `integrity ${claimed} does not match the file (${infos[file].integrity}): rebuild the bundle`);
  }
  const claimedSizes: Json = isObject(mikr0.sizes) ? mikr0.sizes : {};
  for (const [file, claimed] of Object.entries(claimedSizes)) {
    const size = typeof claimed === 'number' ? claimed : isObject(claimed) ? claimed.raw : undefined;
    if (!infos[file]) problem('package.json#mikr0.sizes', `names ${file}, which is not in the bundle`);
    else if (size !== infos[file].size) problem(file, `size ${size} does not match the file (${infos[file].size} bytes): rebuild the bundle`);
  }
  if (details.length) throw badRequest(`The bundle of ${name}@${version} is not valid`, details);

  const hidden = new Set(['package.json', server, server && `${server}.map`]);
  return {
    description: typeof pkg.description === 'string' ? pkg.description : '',
    manifest: {
      template,
      server,
      css,
      parameters,
      files: infos,
      client: files.map((f) => f.path).filter((p) => !hidden.has(p)),
      actions,
      plugins,
      dependencies,
      pluginVersion: typeof mikr0.pluginVersion === 'string' ? mikr0.pluginVersion : undefined,
    },
  };
}

function stringList(value: unknown, path: string, problem: (path: string, message: string) => void): string[] {
  if (value === undefined) return [];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
  problem(path, 'must be an array of strings');
  return [];
}

const TYPES = ['string', 'number', 'boolean'];

function checkParameters(value: unknown, problem: (path: string, message: string) => void): ParametersSchema | undefined {
  if (!isObject(value)) {
    problem('package.json#mikr0.parameters', 'must be an object of parameter definitions');
    return undefined;
  }
  for (const [key, definition] of Object.entries(value)) {
    const path = `package.json#mikr0.parameters.${key}`;
    if (!isObject(definition) || !TYPES.includes(definition.type)) {
      problem(path, `needs "type": one of ${TYPES.join(', ')}`);
      continue;
    }
    const fits = (v: unknown) => typeof v === definition.type;
    if (definition.default !== undefined && !fits(definition.default)) problem(path, `"default" must be a ${definition.type}`);
    if (definition.enum !== undefined && !(Array.isArray(definition.enum) && definition.enum.every(fits))) {
      problem(path, `"enum" must be an array of ${definition.type}s`);
    }
  }
  return value as ParametersSchema;
}
