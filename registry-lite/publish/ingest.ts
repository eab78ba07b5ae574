/**
 * Publishing one version: check, unpack, validate, store the files under a prefix no
 * other upload uses, and only then commit the metadata row. Until that row exists nothing
 * is visible; if it cannot be committed (a racing publish won), the files are removed.
 */
import { randomBytes } from 'node:crypto';
import { badRequest, createError } from '../../runtime/shared/errors.js';
import type { RegistryContext } from '../context.js';

/** What publishing uses of the registry. */
export type IngestContext = Pick<RegistryContext, 'components' | 'logger' | 'options' | 'storage'>;
import { buildManifest, nameProblem, readTarGz, versionProblem } from '../../bundle/index.js';

export function exists(name: string, version: string, unpublished = false) {
  return createError({
    status: 409,
    code: 'VERSION_EXISTS',
    message: unpublished
      ? `${name}@${version} was unpublished and its number can never be used again: bump the version and publish that`
      : `${name}@${version} is already published and versions are immutable: bump the version and publish again`,
  });
}

/** Throws 400 for a bad name or version, 409 when the version exists. */
export async function checkTarget(ctx: Pick<RegistryContext, 'components'>, name: string | null, version: string | undefined) {
  const details = [];
  const nameIssue = name === null ? 'the URL has no component name' : nameProblem(name);
  if (nameIssue) details.push({ path: 'name', message: nameIssue });
  const versionIssue = version === undefined ? 'the URL has no version' : versionProblem(version);
  if (versionIssue) details.push({ path: 'version', message: versionIssue });
  if (details.length) {
    throw badRequest('Publish URLs look like /r/publish/<name>/<exact version>, with an npm-style name', details);
  }
  const existing = await ctx.components.get(name!, version!);
  if (existing) throw exists(name!, version!, existing.unpublishedAt !== null);
}

/** `requestId`: the publish request's, for the log line (none when published from code). */
export async function ingest(ctx: IngestContext, name: string, version: string, body: Uint8Array, requestId?: string) {
  const { limits } = ctx.options;
  const files = await readTarGz(body, { maxUnpackedBytes: limits.maxUnpackedBytes, maxFiles: limits.maxFiles });
  const { description, manifest } = buildManifest(name, version, files, {
    plugins: Object.keys(ctx.options.plugins),
    dependencies: ctx.options.dependencies,
  });
  const prefix = `${name}/${version}/${randomBytes(6).toString('hex')}`;
  const written: string[] = [];
  let committed = false;
  try {
    for (const file of files) {
      const key = `${prefix}/${file.path}`;
      await ctx.storage.setItemRaw(key, file.data);
      written.push(key);
    }
    committed = await ctx.components.insert({ name, version, description, manifest, prefix, publishedAt: Date.now() });
  } finally {
    if (!committed) await Promise.allSettled(written.map((key) => ctx.storage.removeItem(key)));
  }
  if (!committed) {
    const existing = await ctx.components.get(name, version);
    throw exists(name, version, existing?.unpublishedAt != null);
  }
  const request = requestId ? ` (request ${requestId})` : '';
  ctx.logger.info(`mikr0: published ${name}@${version} (${files.length} files)${request}`, { requestId });
  const integrity: Record<string, string> = {};
  for (const [file, info] of Object.entries(manifest.files)) integrity[file] = info.integrity;
  return { name, version, integrity };
}
