import { isMikr0Error, normalizeError, notFound } from '../../runtime/shared/errors.js';
import type { RegistryContext } from '../context.js';
import { sendError, type Next, type Req, type Res } from '../http.js';

/** Nothing matched: a 404 in the error envelope. */
export function notFoundMiddleware() {
  return function mikr0NotFoundMiddleware(req: Req, _res: Res, next: Next) {
    next(notFound(`No route for ${req.method} ${req.originalUrl ?? req.url}: see /r/components for what this registry serves`));
  };
}

/** The one error boundary: every error leaves as the envelope; unexpected ones are logged with their stack. */
export function errorMiddleware(ctx: Pick<RegistryContext, 'logger'>) {
  return function mikr0ErrorMiddleware(error: unknown, req: Req, res: Res, _next: Next) {
    const normal = normalizeError(error);
    if (!isMikr0Error(error)) {
      ctx.logger.error(`mikr0: ${req.method} ${req.originalUrl ?? req.url} failed: ${(error as Error)?.stack ?? error}`);
    }
    sendError(res, normal, req);
  };
}
