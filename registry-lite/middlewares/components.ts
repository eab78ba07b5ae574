import { badRequest, notFound, type ErrorDetail } from '../../runtime/shared/errors.js';
import type { RegistryContext } from '../context.js';
import { methodNotAllowed, pathSegments, readJson, sendJson, splitUrl, takeName, type Next, type Req, type Res } from '../http.js';

/**
 * `GET /r/components?q=&page=&per_page=` — list/search.
 * `GET /r/components/:name` — every version with its schema, sizes, dates, deprecation.
 * `PATCH /r/components/:name/:version` — `{ "deprecated": "reason" | false }` (admin).
 */
export function componentsMiddleware(ctx: Pick<RegistryContext, 'auth' | 'components' | 'options'>) {
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
      req.route = 'deprecate';
      if (segments.length !== 1) throw notFound('Deprecation URLs look like /r/components/<name>/<version>');
      if (req.method !== 'PATCH') return next(methodNotAllowed('PATCH'));
      await ctx.auth.require(req, 'admin');
      const body = await readJson(req, ctx.options.limits.maxJsonBytes);
      const value = (body as { deprecated?: unknown } | null)?.deprecated;
      if (typeof value !== 'string' && typeof value !== 'boolean') {
        throw badRequest('Send { "deprecated": "<reason>" } to deprecate or { "deprecated": false } to undo it');
      }
      const message = value === true ? 'deprecated' : value === false ? null : value || 'deprecated';
      if (!(await ctx.components.deprecate(name, segments[0], message))) throw notFound(`${name}@${segments[0]} is not published`);
      sendJson(res, 200, { name, version: segments[0], deprecated: message });
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

  async function detail(name: string) {
    const records = await ctx.components.versions(name);
    if (records.length === 0) throw notFound(`Component "${name}" not found`);
    const latest = await ctx.components.resolve(name, '');
    return {
      name,
      description: (latest ?? records[0]).description,
      latest: latest?.version ?? null,
      versions: records.map((r) => ({
        version: r.version,
        description: r.description,
        publishedAt: new Date(r.publishedAt).toISOString(),
        deprecated: r.deprecated,
        parameters: r.manifest.parameters ?? {},
        files: Object.fromEntries(
          r.manifest.client.map((file) => [file, { size: r.manifest.files[file].size, gzip: r.manifest.files[file].gzip, integrity: r.manifest.files[file].integrity }]),
        ),
        serverSize: r.manifest.server ? r.manifest.files[r.manifest.server].size : 0,
        actions: r.manifest.actions ?? [],
        plugins: r.manifest.plugins,
        dependencies: r.manifest.dependencies,
      })),
    };
  }
}
