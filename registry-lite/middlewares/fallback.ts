/**
 * The fallback registry (`fallback` option; `vite dev` sets it from registryFallbackUrl): a
 * request for a component this registry does not have goes to the fallback, whose status,
 * headers and body pass through. A fallback that is down or slow is a 502/504 naming its URL,
 * within `timeout` — never a hang — answered by the registry's one error boundary.
 */
import { createError } from '../../runtime/shared/errors.js';
import { pathSegments, readBody, takeName, type Next, type Req, type Res } from '../http.js';

const ROUTE = /^\/r\/(component|action|static)\/([^?]+)/;
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-encoding', 'content-length', 'host']);

export interface FallbackDeps {
  url: string;
  timeout: number;
  maxBodyBytes: number;
  /** True when this registry has any version of `name` (then it answers, not the fallback). */
  has(name: string): Promise<boolean>;
}

export function fallbackMiddleware({ url, timeout, maxBodyBytes, has }: FallbackDeps) {
  return async function mikr0FallbackMiddleware(req: Req, res: Res, next: Next) {
    const match = ROUTE.exec(req.url ?? '');
    if (!match) return next();
    let name: string | null;
    try {
      name = takeName(pathSegments(match[2]));
    } catch {
      return next(); // the registry's own routes answer malformed URLs
    }
    try {
      if (!name || (await has(name))) return next();
    } catch (error) {
      return next(error);
    }
    try {
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(key) && typeof value === 'string') headers[key] = value;
      const body = req.method === 'POST' ? await readBody(req, maxBodyBytes) : undefined;
      const response = await fetch(url + req.url, {
        method: req.method,
        headers,
        body: body as Uint8Array<ArrayBuffer> | undefined,
        signal: AbortSignal.timeout(timeout),
        redirect: 'manual',
      });
      const bytes = Buffer.from(await response.arrayBuffer());
      res.statusCode = response.status;
      response.headers.forEach((value, key) => {
        if (!HOP_BY_HOP.has(key)) res.setHeader(key, value);
      });
      res.setHeader('Content-Length', bytes.length);
      res.setHeader('X-Mikr0-Fallback', url);
      res.end(bytes);
    } catch (error: any) {
      if (error?.name === 'TimeoutError') {
        return next(createError({ status: 504, code: 'TIMEOUT', message: `The fallback registry ${url} did not answer within ${timeout} ms (${req.method} ${req.url})` }));
      }
      next(
        createError({
          status: 502,
          code: 'BAD_GATEWAY',
          message: `The fallback registry ${url} could not be reached (${error?.cause?.code ?? error?.message ?? error}): is it running? Check registryFallbackUrl / MIKR0_FALLBACK`,
          cause: error,
        }),
      );
    }
  };
}
