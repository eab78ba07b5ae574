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

export async function publish(dir: string | undefined, flags: PublishFlags): Promise<void> {
  const folder = path.resolve(dir ?? 'dist');
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
        403: 'publishing needs a token with the "publish" scope: mikr0 token create --scope publish',
        429: 'too many failed attempts: wait, then retry with valid credentials',
      },
    });
  } catch (error) {
    throw explain(error, archive.length, `${name}@${version}`);
  }
  note(`published ${name}@${version}`);
  print(`${registry}/r/component/${namePath(name)}/${version}`);
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
