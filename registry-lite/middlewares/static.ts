import { notFound } from '../../runtime/shared/errors.js';
import { gone, type RegistryContext } from '../context.js';
import { methodNotAllowed, notModified, pathSegments, takeName, type Next, type Req, type Res } from '../http.js';

const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  json: 'application/json; charset=utf-8',
  map: 'application/json; charset=utf-8',
  html: 'text/html; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  ico: 'image/x-icon',
  woff: 'font/woff',
  woff2: 'font/woff2',
  ttf: 'font/ttf',
  txt: 'text/plain; charset=utf-8',
  wasm: 'application/wasm',
};

/**
 * `GET /r/static/:name/:version/*` — the client files of an exact version. Immutable, so
 * cached forever with an ETag from the content hash. Server code is never among them.
 */
export function staticMiddleware(ctx: Pick<RegistryContext, 'components' | 'staticFiles' | 'storage'>) {
  return async function mikr0StaticMiddleware(req: Req, res: Res, next: Next) {
    req.route = 'static';
    if (req.method !== 'GET' && req.method !== 'HEAD') return next(methodNotAllowed('GET, HEAD'));
    try {
      const segments = pathSegments(req.url!.split('?')[0]);
      const name = takeName(segments);
      const version = segments.shift();
      const file = segments.join('/');
      const record = name && version && file ? await ctx.components.get(name, version) : null;
      if (record && record.unpublishedAt !== null) throw gone(record);
      if (!record || !record.manifest.client.includes(file)) {
        throw notFound('No such client file: static URLs look like /r/static/<name>/<exact version>/<file>');
      }
      const etag = `"${record.manifest.files[file].integrity}"`;
      res.setHeader('ETag', etag);
      res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
      res.setHeader('Content-Type', TYPES[file.slice(file.lastIndexOf('.') + 1).toLowerCase()] ?? 'application/octet-stream');
      res.setHeader('X-Content-Type-Options', 'nosniff');
      if (notModified(req, etag)) {
        res.statusCode = 304;
        return res.end();
      }
      const key = `${record.prefix}/${file}`;
      let bytes = ctx.staticFiles.get(key);
      if (!bytes) {
        bytes = (await ctx.storage.getItemRaw(key)) ?? undefined;
        if (!bytes) throw notFound(`${file} of ${name}@${version} is missing from storage`);
        ctx.staticFiles.set(key, bytes);
      }
      res.statusCode = 200;
      res.setHeader('Content-Length', bytes.length);
      res.end(req.method === 'HEAD' ? undefined : bytes);
    } catch (error) {
      next(error);
    }
  };
}
