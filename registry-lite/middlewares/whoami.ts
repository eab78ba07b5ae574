import type { RegistryContext } from '../context.js';
import { methodNotAllowed, sendJson, type Next, type Req, type Res } from '../http.js';

/** `GET /r/whoami` — who the credentials are and what they may do (any valid credential; the playground's sign-in). */
export function whoamiMiddleware(ctx: Pick<RegistryContext, 'auth'>) {
  return async function mikr0WhoamiMiddleware(req: Req, res: Res, next: Next) {
    req.route = 'whoami';
    if (req.method !== 'GET' && req.method !== 'HEAD') return next(methodNotAllowed('GET'));
    try {
      const who = await ctx.auth.authenticate(req, 'publish');
      sendJson(res, 200, {
        actor: who.actor,
        kind: who.kind,
        tokenId: who.tokenId,
        scopes: who.scopes,
        names: who.names,
        expiresAt: who.expiresAt === null ? null : new Date(who.expiresAt).toISOString(),
      });
    } catch (error) {
      next(error);
    }
  };
}
