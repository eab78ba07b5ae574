import { isMikr0Error, normalizeError, notFound } from '../../runtime/shared/errors.js';
import type { RegistryContext } from '../context.js';
import { sendError, type Next, type Req, type Res } from '../http.js';

/** Nothing matched: a 404 in the error envelope. */
export function notFoundMiddleware() {
  return function mikr0NotFoundMiddleware(req: Req, _res: Res, next: Next) {
    next(notFound(`No route for ${req.method} ${req.originalUrl ?? req.url}: see /r/components for what this registry serves`));
  };
}

/** A dependency that is down fails every request meanwhile: its line is logged once per this many ms. */
const UNAVAILABLE_LOG_MS = 10_000;

/**
 * The one error boundary: every error leaves as the envelope; unexpected ones are logged with
 * their stack, a dependency that is down (a 503 UNAVAILABLE with a cause) with its one line, now and then.
 */
export function errorMiddleware(ctx: Pick<RegistryContext, 'logger'>) {
  const logged = new Map<string, number>();
  return function mikr0ErrorMiddleware(error: unknown, req: Req, res: Res, _next: Next) {
    const normal = normalizeError(error);
    if (!isMikr0Error(error)) {
      ctx.logger.error(`mikr0: ${req.method} ${req.originalUrl ?? req.url} failed (request ${req.id}): ${(error as Error)?.stack ?? error}`, { requestId: req.id });
    } else if (normal.code === 'UNAVAILABLE' && normal.cause !== undefined && Date.now() - (logged.get(normal.message) ?? 0) > UNAVAILABLE_LOG_MS) {
      if (logged.size > 100) logged.clear();
      logged.set(normal.message, Date.now());
      ctx.logger.warn(`mikr0: ${normal.message} (request ${req.id})`, { requestId: req.id });
    }
    sendError(res, normal, req);
  };
}
