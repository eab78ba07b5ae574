import { notFound } from '../../runtime/shared/errors.js';
import { parametersFromQuery } from '../../runtime/node/parameters.js';
import type { RegistryContext } from '../context.js';
import { methodNotAllowed, pathSegments, sendHtml, sendJsonText, splitUrl, takeName, wantsHtml, type Next, type Req, type Res } from '../http.js';

/**
 * `GET /r/component/:name/:version?` — resolve the version, run the loader, send the payload;
 * with `Accept: text/html`, the component as an HTML fragment to compose into a page (and a
 * failure as the failed-state fragment, with its status).
 */
export function renderMiddleware(ctx: Pick<RegistryContext, 'core' | 'metrics' | 'rendered' | 'resolve' | 'target' | 'origin'>) {
  return async function mikr0RenderMiddleware(req: Req, res: Res, next: Next) {
    req.route = 'render';
    if (req.method !== 'GET' && req.method !== 'HEAD') return next(methodNotAllowed('GET'));
    const start = performance.now();
    try {
      const { pathname, query } = splitUrl(req.url!);
      const segments = pathSegments(pathname);
      const name = takeName(segments);
      // One URL, two representations: caches must keep them apart.
      res.setHeader('Vary', 'Accept');
      const html = wantsHtml(req);
      if (html && name) req.fragment = { name, version: segments[0], registry: ctx.origin(req) };
      if (segments.length > 1) throw notFound('Render URLs look like /r/component/<name>/<version>?<parameters>');
      const raw = parametersFromQuery(query);
      if (req.fragment) req.fragment.parameters = raw;
      const record = await ctx.resolve(name, segments[0] ?? '');
      req.component = `${record.name}@${record.version}`;
      ctx.rendered(record);
      const target = ctx.target(record, req);
      // Early hints: what the client will load next, for whatever reads response headers first
      // (a CDN's 103 Early Hints, a page server passing them on, a proxy that preloads).
      res.setHeader('Link', preloadLinks(target.src, target.css ?? []));
      if (req.fragment) sendHtml(res, 200, await ctx.core.fragment(target, raw, req.headers, req.fragment));
      else sendJsonText(res, 200, await ctx.core.render(target, raw, req.headers));
    } catch (error) {
      next(error);
    } finally {
      ctx.metrics.renderDuration((performance.now() - start) / 1000);
    }
  };
}

/** `Link` header value: the client module to modulepreload, its stylesheets to preload. */
function preloadLinks(src: string, css: string[]): string {
  return [`<${encodeURI(src)}>; rel=modulepreload`, ...css.map((href) => `<${encodeURI(href)}>; rel=preload; as=style`)].join(', ');
}
