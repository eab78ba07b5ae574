import type { RegistryContext } from '../context.js';
import { methodNotAllowed, pathSegments, readBody, sendJson, takeName, type Next, type Req, type Res } from '../http.js';
import { checkTarget, ingest } from '../publish/ingest.js';

/** `PUT /r/publish/:name/:version` — body: the bundle as .tar.gz. Needs the `publish` scope. */
export function publishMiddleware(ctx: Pick<RegistryContext, 'audit' | 'auth' | 'components' | 'logger' | 'options' | 'storage'>) {
  return async function mikr0PublishMiddleware(req: Req, res: Res, next: Next) {
    req.route = 'publish';
    if (req.method !== 'PUT') return next(methodNotAllowed('PUT'));
    try {
      const segments = pathSegments(req.url!.split('?')[0]);
      const name = takeName(segments);
      const version = segments.length === 1 ? segments[0] : undefined;
      // A token limited to name patterns may publish only those names.
      const by = await ctx.auth.require(req, 'publish', name ?? undefined);
      // Cheap checks first, so a doomed upload is refused before its body is read.
      await checkTarget(ctx, name, version);
      const body = await readBody(req, ctx.options.limits.maxBundleBytes);
      const published = await ingest(ctx, name!, version!, body, req.id);
      await ctx.audit.record('publish', by, { name: name!, version: version! });
      sendJson(res, 201, published);
    } catch (error) {
      // Drain what the client still sends, so it reads our answer instead of a reset.
      req.resume();
      next(error);
    }
  };
}
