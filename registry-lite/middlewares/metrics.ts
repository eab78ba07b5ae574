import type { RegistryContext } from '../context.js';
import type { Next, Req, Res } from '../http.js';

/**
 * Counts every response by route and status (routes label themselves on `req.route`).
 * Counted when `end()` is called: a second 'finish' listener makes Node copy the listener
 * array on every response, which cost a sixth of the render throughput.
 */
export function requestMetricsMiddleware(ctx: Pick<RegistryContext, 'metrics'>) {
  return function mikr0RequestMetricsMiddleware(req: Req, res: Res, next: Next) {
    const end = res.end;
    res.end = function countedEnd(this: Res, ...args: unknown[]) {
      res.end = end;
      ctx.metrics.request(req.route ?? 'other', req.method ?? 'GET', res.statusCode);
      return (end as (...a: unknown[]) => Res).apply(this, args);
    } as Res['end'];
    next();
  };
}

/** `GET /metrics` — Prometheus text exposition. */
export function metricsMiddleware(ctx: Pick<RegistryContext, 'components' | 'metrics' | 'sandbox'>) {
  return async function mikr0MetricsMiddleware(req: Req, res: Res, next: Next) {
    req.route = 'metrics';
    if (req.url !== '/' && req.url !== '') return next();
    try {
      const body = await ctx.metrics.render(ctx.sandbox?.stats() ?? null, await ctx.components.count());
      res.setHeader('Content-Type', 'text/plain; version=0.0.4; charset=utf-8');
      res.setHeader('Cache-Control', 'no-store');
      res.end(body);
    } catch (error) {
      next(error);
    }
  };
}
