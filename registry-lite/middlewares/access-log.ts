import type { RegistryContext } from '../context.js';
import type { Next, Req, Res } from '../http.js';

/**
 * One line per response (`logFormat: 'json'` only): `{ requestId, method, path, status,
 * duration (ms), component?, msg: 'request' }`. Logged when `end()` is called, for the reason
 * requestMetricsMiddleware gives; a response destroyed before its end (the client went away
 * mid-stream) has no line. The path is logged without its query string: render parameters
 * may carry personal data.
 */
export function accessLogMiddleware(ctx: Pick<RegistryContext, 'logger'>) {
  return function mikr0AccessLogMiddleware(req: Req, res: Res, next: Next) {
    const start = performance.now();
    const path = pathOf(req.url ?? '/');
    const end = res.end;
    res.end = function loggedEnd(this: Res, ...args: unknown[]) {
      res.end = end;
      ctx.logger.info('request', {
        requestId: req.id,
        method: req.method,
        path,
        status: res.statusCode,
        duration: Math.round((performance.now() - start) * 1000) / 1000,
        component: req.component,
      });
      return (end as (...a: unknown[]) => Res).apply(this, args);
    } as Res['end'];
    next();
  };
}

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
