/**
 * Registry fallback for the dev server: a request for a component this project does not
 * have goes to `registryFallbackUrl`, status and headers passed through. A fallback that is
 * down or slow is a 502/504 naming the URL, within `timeout` — never a hang.
 */
import { createError } from '../../runtime/shared/errors.js';
import type { RegistryContext } from '../../registry-lite/context.js';
import { pathSegments, readBody, sendError, takeName, type Next, type Req, type Res } from '../../registry-lite/http.js';

const ROUTE = /^\/r\/(component|action|static)\/([^?]+)/;
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-encoding', 'content-length', 'host']);

export function fallbackMiddleware(ctx: RegistryContext, fallbackUrl: string, timeout: number) {
  return async function mikr0FallbackMiddleware(req: Req, res: Res, next: Next) {
    const match = ROUTE.exec(req.url ?? '');
    if (!match) return next();
    let name: string | null;
    try {
      name = takeName(pathSegments(match[2]));
    } catch {
      return next(); // the registry's own routes answer malformed URLs
    }
    if (!name || ctx.components.versions(name).length > 0) return next();
    const target = fallbackUrl + req.url;
    try {
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(key) && typeof value === 'string') headers[key] = value;
      const body = req.method === 'POST' ? await readBody(req, ctx.options.limits.maxJsonBytes) : undefined;
      const response = await fetch(target, { method: req.method, headers, body: body as Uint8Array<ArrayBuffer> | undefined, signal: AbortSignal.timeout(timeout), redirect: 'manual' });
      const bytes = Buffer.from(await response.arrayBuffer());
      res.statusCode = response.status;
      response.headers.forEach((value, key) => {
        if (!HOP_BY_HOP.has(key)) res.setHeader(key, value);
      });
      res.setHeader('Content-Length', bytes.length);
      res.setHeader('X-Mikr0-Fallback', fallbackUrl);
      res.end(bytes);
    } catch (error: any) {
      const timedOut = error?.name === 'TimeoutError';
      sendError(
        res,
        timedOut
          ? createError({ status: 504, code: 'TIMEOUT', message: `The fallback registry ${fallbackUrl} did not answer within ${timeout} ms (${req.method} ${req.url})` })
          : createError({
              status: 502,
              code: 'BAD_GATEWAY',
              message: `The fallback registry ${fallbackUrl} could not be reached (${error?.cause?.code ?? error?.message ?? error}): is it running? Check registryFallbackUrl / MIKR0_FALLBACK`,
            }),
      );
    }
  };
}
