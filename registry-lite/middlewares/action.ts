import { notFound } from '../../runtime/shared/errors.js';
import type { RegistryContext } from '../context.js';
import { methodNotAllowed, pathSegments, readJson, sendJsonText, takeName, type Next, type Req, type Res } from '../http.js';

/** `POST /r/action/:name/:version` — `{ action, input }` → `{ data }`. */
export function actionMiddleware(ctx: Pick<RegistryContext, 'core' | 'options' | 'resolve' | 'target' | 'usage'>) {
  return async function mikr0ActionMiddleware(req: Req, res: Res, next: Next) {
    req.route = 'action';
    if (req.method !== 'POST') return next(methodNotAllowed('POST'));
    try {
      const segments = pathSegments(req.url!.split('?')[0]);
      const name = takeName(segments);
      if (!name || segments.length !== 1) throw notFound('Action URLs look like /r/action/<name>/<version>');
      const record = await ctx.resolve(name, segments[0]);
      req.component = `${record.name}@${record.version}`;
      const body = await readJson(req, ctx.options.limits.maxJsonBytes);
      ctx.usage.acted(record.name, record.version);
      sendJsonText(res, 200, await ctx.core.action(ctx.target(record, req), body, req.headers));
    } catch (error) {
      next(error);
    }
  };
}
