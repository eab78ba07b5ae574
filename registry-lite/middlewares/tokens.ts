import { badRequest, notFound } from '../../runtime/shared/errors.js';
import type { RegistryContext } from '../context.js';
import { methodNotAllowed, pathSegments, readJson, sendJson, type Next, type Req, type Res } from '../http.js';
import { parseDuration, SCOPES, type Scope } from '../metadata/index.js';

/**
 * `GET /r/tokens` — every token, never a secret (admin).
 * `POST /r/tokens` — `{ scopes, label?, names?, expires? }` → 201 `{ token, info }`, the secret this once (admin).
 * `DELETE /r/tokens/:id` — revoke (admin).
 */
export function tokensMiddleware(ctx: Pick<RegistryContext, 'auth' | 'options' | 'tokens'>) {
  return async function mikr0TokensMiddleware(req: Req, res: Res, next: Next) {
    req.route = 'tokens';
    try {
      const segments = pathSegments(req.url!.split('?')[0]);
      if (segments.length > 1) throw notFound('Token URLs look like /r/tokens or /r/tokens/<id>');
      if (segments.length === 1) {
        if (req.method !== 'DELETE') return next(methodNotAllowed('DELETE'));
        const by = await ctx.auth.require(req, 'admin');
        if (!(await ctx.tokens.revoke(segments[0], by))) throw notFound(`No active token "${segments[0]}": see the ids with GET /r/tokens`);
        return sendJson(res, 200, { id: segments[0], revoked: true });
      }
      if (req.method === 'GET' || req.method === 'HEAD') {
        await ctx.auth.require(req, 'admin');
        return sendJson(res, 200, { tokens: await ctx.tokens.list() });
      }
      if (req.method !== 'POST') return next(methodNotAllowed('GET, POST'));
      const by = await ctx.auth.require(req, 'admin');
      const body = await readJson(req, ctx.options.limits.maxJsonBytes);
      const { scopes, label, names, expiresInMs } = parseCreate(body);
      let created;
      try {
        created = await ctx.tokens.create(scopes, label, { names, expiresInMs, by });
      } catch (error) {
        // The token rules' TypeErrors are written for the person sending the request.
        if (error instanceof TypeError) throw badRequest(error.message);
        throw error;
      }
      sendJson(res, 201, created);
    } catch (error) {
      next(error);
    }
  };
}

const SHAPE = 'Send { "scopes": ["publish"], "label": "ci", "names": ["@team/*"], "expires": "30d" } (label, names and expires optional)';

function parseCreate(body: unknown): { scopes: Scope[]; label: string; names: string[] | null; expiresInMs: number | null } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest(SHAPE);
  const { scopes: rawScopes, scope, label = '', names = null, expires = null } = body as Record<string, unknown>;
  const given = rawScopes ?? scope;
  const list = typeof given === 'string' ? given.split(',') : Array.isArray(given) ? given : null;
  if (!list || list.length === 0 || list.some((s) => typeof s !== 'string')) throw badRequest(`scopes must name ${SCOPES.join(' and/or ')}: ${SHAPE}`);
  const scopes = [...new Set(list.map((s) => (s as string).trim()))] as Scope[];
  const unknown = scopes.filter((s) => !SCOPES.includes(s));
  if (unknown.length) throw badRequest(`Unknown scope ${unknown.map((s) => `"${s}"`).join(', ')}: use ${SCOPES.join(' or ')}`);
  if (typeof label !== 'string' || label.length > 200) throw badRequest('label must be a string of at most 200 characters');
  if (names !== null && typeof names !== 'string' && !(Array.isArray(names) && names.every((n) => typeof n === 'string'))) {
    throw badRequest('names must be a list of name patterns such as ["@team/*", "header"], or one comma-separated string');
  }
  if (expires !== null && typeof expires !== 'string') throw badRequest('expires must be a duration such as "30d", "12h" or "15m"');
  let expiresInMs: number | null = null;
  try {
    if (expires !== null) expiresInMs = parseDuration(expires);
  } catch (error) {
    throw badRequest((error as Error).message);
  }
  return { scopes, label, names: names as string[] | null, expiresInMs };
}
