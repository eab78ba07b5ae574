/** `mikr0 publish [dir]`: packs a built bundle and uploads it to a registry. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { collectFiles, packTarGz } from '../../bundle/index.js';
import { authorization, createClient, namePath, registryUrl, type Credentials } from '../http.js';
import { cliError, formatBytes, isCliError, note, print, progress } from '../output.js';

export interface PublishFlags extends Credentials {
  registry?: string;
}

/** Uploads can be big and links slow: allow far longer than a metadata call. */
const UPLOAD_TIMEOUT_MS = 10 * 60_000;

/**
 * Where `vite build` writes the bundle, in the order to look: an app (a project with an
 * index.html) gets dist-mikr0, a component-only project dist. A folder counts only if its
 * package.json has the `mikr0` block the build writes (an app's dist has none).
 */
export const BUNDLE_FOLDERS = ['dist-mikr0', 'dist'];

export async function publish(dir: string | undefined, flags: PublishFlags): Promise<void> {
  const folder = dir === undefined ? await findBundle(process.cwd()) : path.resolve(dir);
  if (dir === undefined) note(`publishing ${path.relative(process.cwd(), folder) || '.'}/`);
  const registry = registryUrl(flags.registry);
  const { name, version } = await readPackage(folder);
  // No credentials would be a certain 401: say so before packing and uploading anything.
  const auth = authorization(flags);
  if (!auth) {
    throw cliError(
      'no credentials to publish with',
      'pass --token (or set MIKR0_TOKEN; create one with: mikr0 token create --scope publish), or --user and --password',
    );
  }

  // Before packing and before any "uploading" line: a registry that is down or a URL that is
  // not a registry fails here, with what to do about it.
  const client = createClient(registry);
  await client.probe();

  const files = await collectFiles(folder).catch((error: Error) => {
    throw cliError(error.message);
  });
  const archive = await packTarGz(files);
  note(`packed ${files.length} files, ${formatBytes(archive.length)} (${name}@${version})`);

  try {
    await client.request(`/r/publish/${namePath(name)}/${encodeURIComponent(version)}`, {
      method: 'PUT',
      headers: { authorization: auth, 'content-type': 'application/gzip' },
      body: archive,
      onProgress: progress('uploading'),
      timeoutMs: UPLOAD_TIMEOUT_MS,
      hints: {
        401: auth.startsWith('Basic')
          ? 'check --user and --password (or MIKR0_USER and MIKR0_PASSWORD), or pass --token instead'
          : 'pass a valid --token or set MIKR0_TOKEN (create one with: mikr0 token create --scope publish)',
        // The registry's message names the patterns this token allows; add the command that makes one that fits.
        403: `a token that covers it: mikr0 token create --scope publish --names '${name}' (or an admin token)`,
        429: 'too many failed attempts: wait, then retry with valid credentials',
      },
    });
  } catch (error) {
    throw explain(error, archive.length, `${name}@${version}`);
  }
  note(`published ${name}@${version}`);
  print(`${registry}/r/component/${namePath(name)}/${version}`);
}

/** The folder the build wrote in `cwd`, or an error naming `vite build`. */
export async function findBundle(cwd: string): Promise<string> {
  for (const name of BUNDLE_FOLDERS) {
    const folder = path.join(cwd, name);
    const text = await fs.readFile(path.join(folder, 'package.json'), 'utf8').catch(() => null);
    if (text !== null && isBundlePackage(text)) return folder;
  }
  throw cliError(
    `no built component here: neither ${BUNDLE_FOLDERS.map((f) => `${f}/package.json`).join(' nor ')} has a "mikr0" block: run \`vite build\` first`,
    'or pass the bundle folder: mikr0 publish <dir>',
  );
}

function isBundlePackage(text: string): boolean {
  try {
    const pkg = JSON.parse(text);
    return typeof pkg?.mikr0 === 'object' && pkg.mikr0 !== null;
  } catch {
    return false;
  }
}

async function readPackage(folder: string): Promise<{ name: string; version: string }> {
  const file = path.join(folder, 'package.json');
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    throw cliError(`no package.json in ${folder}: run \`vite build\` first`, 'or pass the bundle folder: mikr0 publish <dir>');
  }
  let pkg: { name?: unknown; version?: unknown };
  try {
    pkg = JSON.parse(text);
  } catch (error) {
    throw cliError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof pkg.name !== 'string' || !pkg.name) throw cliError(`${file} has no "name"`);
  if (typeof pkg.version !== 'string' || !pkg.version) throw cliError(`${file} has no "version"`);
  return { name: pkg.name, version: pkg.version };
}

/** Registry answers that need more than the registry's own words. */
function explain(error: unknown, size: number, spec: string) {
  if (!isCliError(error)) return error;
  // Both conflicts are VERSION_EXISTS; the registry's words tell a retired number from a taken one.
  if (error.status === 409 && /unpublished/.test(error.message)) {
    return cliError(
      `${spec} was unpublished, and its number can never be used again`,
      'bump "version" in your project\'s package.json (or run: npm version patch), build again, and publish',
      409,
    );
  }
  if (error.status === 409) {
    // Said once, and pointing at the file to edit: dist/package.json is written by the build.
    return cliError(
      `${spec} is already published, and a published version never changes`,
      'bump "version" in your project\'s package.json (or run: npm version patch), build again, and publish',
      409,
    );
  }
  if (error.status === 413) {
    // The body-size refusal states its limit in parentheses ("... accepts (10.0 MB)"); other
    // 413s (too many files, too big unpacked) say what was exceeded in their own words.
    const limit = /accepts \(([^)]+)\)/.exec(error.message)?.[1];
    const why = limit ? `the registry accepts at most ${limit}, this one is ${formatBytes(size)}` : error.message;
    return cliError(
      `the bundle is too big: ${why}`,
      'make it smaller (split assets, drop sourcemaps) or raise the registry\'s limits (limits.maxBundleBytes, maxUnpackedBytes, maxFiles)',
      413,
    );
  }
  if (error.status === 400 && !error.hint) {
    return cliError(`the registry refused the bundle: ${error.message}`, 'fix the listed problems, rebuild and publish again', 400);
  }
  if (error.status !== undefined && error.status >= 500 && !error.hint) {
    return cliError(`the registry failed (${error.status}): ${error.message}`, 'retry; if it keeps failing, check the registry log', error.status);
  }
  return error;
}
