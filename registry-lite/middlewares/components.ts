import { badRequest, createError, notFound, type ErrorDetail } from '../../runtime/shared/errors.js';
import { codeCacheKey, gone, type RegistryContext } from '../context.js';
import { DAY_MS } from '../metadata/usage.js';
import { methodNotAllowed, pathSegments, readJson, sendJson, splitUrl, takeName, type Next, type Req, type Res } from '../http.js';

/**
 * `GET /r/components?q=&page=&per_page=` — list/search.
 * `GET /r/components/:name` — every version with its schema, sizes, dates, deprecation, usage.
 * `PATCH /r/components/:name/:version` — `{ "deprecated": "reason" | false }` (a publish token covering the name, or admin).
 * `DELETE /r/components/:name/:version[?force=true]` — unpublish (admin); refused while pages still render it.
 */
export function componentsMiddleware(ctx: Pick<RegistryContext, 'audit' | 'auth' | 'components' | 'logger' | 'options' | 'storage' | 'usage'>) {
  return async function mikr0ComponentsMiddleware(req: Req, res: Res, next: Next) {
    try {
      const { pathname, query } = splitUrl(req.url!);
      const segments = pathSegments(pathname);
      if (segments.length === 0) {
        req.route = 'list';
        if (req.method !== 'GET' && req.method !== 'HEAD') return next(methodNotAllowed('GET'));
        return sendJson(res, 200, await list(query));
      }
      const name = takeName(segments);
      if (!name) throw notFound('Component URLs look like /r/components/<name>');
      if (segments.length === 0) {
        req.route = 'detail';
        if (req.method !== 'GET' && req.method !== 'HEAD') return next(methodNotAllowed('GET'));
        return sendJson(res, 200, await detail(name));
      }
      if (segments.length !== 1) throw notFound('Version URLs look like /r/components/<name>/<version>');
      const version = segments[0];
      if (req.method === 'DELETE') {
        req.route = 'unpublish';
        return sendJson(res, 200, await unpublish(req, name, version, query.get('force')));
      }
      req.route = 'deprecate';
      if (req.method !== 'PATCH') return next(methodNotAllowed('PATCH, DELETE'));
      const by = await ctx.auth.require(req, 'publish', name);
      const body = await readJson(req, ctx.options.limits.maxJsonBytes);
      const value = (body as { deprecated?: unknown } | null)?.deprecated;
      if (typeof value !== 'string' && typeof value !== 'boolean') {
        throw badRequest('Send { "deprecated": "<reason>" } to deprecate or { "deprecated": false } to undo it');
      }
      const message = value === true ? 'deprecated' : value === false ? null : value || 'deprecated';
      const record = await ctx.components.get(name, version);
      if (record?.unpublishedAt != null) throw gone(record);
      if (!(await ctx.components.deprecate(name, version, message))) throw notFound(`${name}@${version} is not published`);
      await ctx.audit.record(message === null ? 'undeprecate' : 'deprecate', by, { name, version, detail: message ?? undefined });
      sendJson(res, 200, { name, version, deprecated: message });
    } catch (error) {
      next(error);
    }
  };

  async function list(query: URLSearchParams) {
    const details: ErrorDetail[] = [];
    const integer = (key: string, fallback: number, max: number) => {
      const raw = query.get(key);
      if (raw === null || raw === '') return fallback;
      const value = Number(raw);
      if (!Number.isInteger(value) || value < 1 || value > max) details.push({ path: key, message: `must be an integer from 1 to ${max}` });
      return value;
    };
    const page = integer('page', 1, 1_000_000);
    const perPage = integer('per_page', 20, 100);
    if (details.length) throw badRequest('Invalid list query', details);
    const { components, total } = await ctx.components.list(query.get('q') ?? '', page, perPage);
    return { components, total, page, per_page: perPage };
  }

  /**
   * Unpublishes `name@version` (admin). Refused with 409 while it was rendered in the last 24 hours
   * (this replica's counts, flushed or not, and what the others flushed) unless `force`.
   * Its files go from storage; its row stays, so render and static say 410 and the number is never reused.
   */
  async function unpublish(req: Req, name: string, version: string, force: string | null) {
    const by = await ctx.auth.require(req, 'admin');
    if (force !== null && force !== 'true' && force !== 'false') throw badRequest('force must be true or false');
    const record = await ctx.components.get(name, version);
    if (!record) throw notFound(`${name}@${version} is not published: see its versions with mikr0 info ${name}`);
    if (record.unpublishedAt !== null) throw gone(record);
    if (force !== 'true') {
      const recent = await ctx.usage.renderedWithin(name, version, DAY_MS);
      if (recent) {
        throw createError({
          status: 409,
          code: 'RECENTLY_RENDERED',
          message:
            `${name}@${version} was rendered ${recent.renders} time${recent.renders === 1 ? '' : 's'} in the last 24 hours ` +
            `(last at ${new Date(recent.last).toISOString()}): pages still use it; deprecate it first, or pass force=true (mikr0 unpublish --force)`,
        });
      }
    }
    const at = Date.now();
    if (!(await ctx.components.unpublish(name, version, at))) {
      const now = await ctx.components.get(name, version);
      if (now?.unpublishedAt != null) throw gone(now);
      throw notFound(`${name}@${version} is not published`);
    }
    await ctx.audit.record('unpublish', by, { name, version, detail: force === 'true' ? 'forced' : undefined });
    // The bytes go too (a bad version may hold what must not be served). The row says 410 whatever is left.
    const files = [...new Set([...record.manifest.client, ...(record.manifest.server ? [record.manifest.server] : [])])];
    // With the compiled server code V8 cached for it, which is the bad version's code too.
    const keys = [...files.map((file) => `${record.prefix}/${file}`), ...(record.manifest.server ? [codeCacheKey(record)] : [])];
    const removed = await Promise.allSettled(keys.map((key) => ctx.storage.removeItem(key)));
    const failed = removed.filter((r) => r.status === 'rejected').length;
    if (failed) ctx.logger.warn(`mikr0: unpublished ${name}@${version}, but ${failed} of its files could not be removed from storage (request ${req.id})`);
    return { name, version, unpublished: new Date(at).toISOString() };
  }

  async function detail(name: string) {
    const [records, usage] = await Promise.all([ctx.components.versions(name), ctx.usage.forName(name)]);
    if (records.length === 0) throw notFound(`Component "${name}" not found`);
    const latest = await ctx.components.resolve(name, '');
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    return {
      name,
      description: (latest ?? records[0]).description,
      latest: latest?.version ?? null,
      versions: records.map((r) => ({
        version: r.version,
        description: r.description,
        publishedAt: new Date(r.publishedAt).toISOString(),
        deprecated: r.deprecated,
        unpublished: iso(r.unpublishedAt),
        renders: usage.get(r.version)?.renders ?? 0,
        actions: usage.get(r.version)?.actions ?? 0,
        lastRenderedAt: iso(usage.get(r.version)?.lastRenderedAt ?? null),
        usage: usage.get(r.version)?.days ?? [],
        parameters: r.manifest.parameters ?? {},
        files: Object.fromEntries(
          r.manifest.client.map((file) => [file, { size: r.manifest.files[file].size, gzip: r.manifest.files[file].gzip, integrity: r.manifest.files[file].integrity }]),
        ),
        serverSize: r.manifest.server ? r.manifest.files[r.manifest.server].size : 0,
        actionNames: r.manifest.actions ?? [],
        plugins: r.manifest.plugins,
        dependencies: r.manifest.dependencies,
      })),
    };
  }
}
