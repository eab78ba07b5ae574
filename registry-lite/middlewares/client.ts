import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { gzipSync } from 'node:zlib';
import { createError } from '../../runtime/shared/errors.js';
import { clientFile } from '../browser-files.js';
import { methodNotAllowed, notModified, type Next, type Req, type Res } from '../http.js';

/**
 * `GET /r/client.js` — the browser runtime. Read and gzipped once; cached briefly by browsers
 * and CDNs (pages load it unversioned) and revalidated by ETag.
 */
export function clientMiddleware(file = clientFile) {
  let loaded: { raw: Buffer; gzip: Buffer; etag: string } | undefined;
  return function mikr0ClientMiddleware(req: Req, res: Res, next: Next) {
    req.route = 'client';
    if (req.url !== '/' && !req.url!.startsWith('/?')) return next();
    if (req.method !== 'GET' && req.method !== 'HEAD') return next(methodNotAllowed('GET, HEAD'));
    if (!loaded) {
      if (!fs.existsSync(file)) {
        return next(createError({ status: 404, code: 'NOT_FOUND', message: `The browser runtime is not built (${file}): run npm run build` }));
      }
      const raw = fs.readFileSync(file);
      loaded = { raw, gzip: gzipSync(raw, { level: 9 }), etag: `"${createHash('sha256').update(raw).digest('base64url').slice(0, 22)}"` };
    }
    res.setHeader('Content-Type', 'text/javascript; charset=utf-8');
    res.setHeader('Cache-Control', 'public, max-age=600, stale-while-revalidate=86400');
    res.setHeader('ETag', loaded.etag);
    res.setHeader('Vary', 'Accept-Encoding');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (notModified(req, loaded.etag)) {
      res.statusCode = 304;
      return res.end();
    }
    const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gzip ? loaded.gzip : loaded.raw;
    if (gzip) res.setHeader('Content-Encoding', 'gzip');
    res.setHeader('Content-Length', body.length);
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}
