import { notFound } from '../../runtime/shared/errors.js';
import { parametersFromQuery } from '../../runtime/node/parameters.js';
import type { RegistryContext } from '../context.js';
import { methodNotAllowed, pathSegments, sendJsonText, splitUrl, takeName, type Next, type Req, type Res } from '../http.js';

/** `GET /r/component/:name/:version?` — resolve the version, run the loader, send the payload. */
export function renderMiddleware(ctx: Pick<RegistryContext, 'core' | 'metrics' | 'resolve' | 'target'>) {
  return async function mikr0RenderMiddleware(req: Req, res: Res, next: Next) {
    req.route = 'render';
    if (req.method !== 'GET' && req.method !== 'HEAD') return next(methodNotAllowed('GET'));
    const start = performance.now();
    try {
      const { pathname, query } = splitUrl(req.url!);
      const segments = pathSegments(pathname);
      const name = takeName(segments);
      if (segments.length > 1) throw notFound('Render URLs look like /r/component/<name>/<version>?<parameters>');
      const record = await ctx.resolve(name, segments[0] ?? '');
      const payload = await ctx.core.render(ctx.target(record, req), parametersFromQuery(query), req.headers);
      sendJsonText(res, 200, payload);
    } catch (error) {
      next(error);
    } finally {
      ctx.metrics.renderDuration((performance.now() - start) / 1000);
    }
  };
}
