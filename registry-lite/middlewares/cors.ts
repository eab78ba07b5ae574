import type { RegistryContext } from '../context.js';
import type { Next, Req, Res } from '../http.js';

/**
 * CORS for the public routes only (render, batch, action, static, client.js, components): pages on
 * any allowed origin may call them, without credentials. Publish and admin routes never
 * answer CORS, so a browser page can never drive them.
 */
export function corsMiddleware(ctx: Pick<RegistryContext, 'options'>) {
  const origins = ctx.options.origins;
  return function mikr0CorsMiddleware(req: Req, res: Res, next: Next) {
    const origin = req.headers.origin;
    if (!origin || !isPublic(req.url!, req.method!)) return next();
    if (origins !== '*' && !origins.includes(origin)) return next();
    res.setHeader('Access-Control-Allow-Origin', origins === '*' ? '*' : origin);
    if (origins !== '*') res.setHeader('Vary', 'Origin');
    if (req.method === 'OPTIONS') {
      res.statusCode = 204;
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', req.headers['access-control-request-headers'] ?? 'Content-Type');
      res.setHeader('Access-Control-Max-Age', '600');
      return res.end();
    }
    next();
  };
}

function isPublic(url: string, method: string): boolean {
  if (url.startsWith('/r/component/') || url.startsWith('/r/static/')) return true;
  if (url.startsWith('/r/batch') || url.startsWith('/r/action/') || url.startsWith('/r/client.js')) return true;
  return url.startsWith('/r/components') && (method === 'GET' || method === 'OPTIONS');
}
