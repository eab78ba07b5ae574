import fs from 'node:fs';
import sirv from 'sirv';
import { playgroundDir } from '../browser-files.js';
import type { Next, Req, Res } from '../http.js';

/**
 * `GET /` — the playground (built into dist/playground/). Hashed assets are immutable; the
 * page itself is revalidated so a new registry version shows its new playground.
 */
export function uiMiddleware(dir = playgroundDir) {
  if (!fs.existsSync(dir)) return (_req: Req, _res: Res, next: Next) => next();
  const serve = sirv(dir, {
    etag: true,
    setHeaders(res, pathname) {
      res.setHeader('Cache-Control', pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  return function mikr0UiMiddleware(req: Req, res: Res, next: Next) {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    (req as Req).route = 'ui';
    serve(req, res, next);
  };
}
