import { badRequest, type ErrorDetail } from '../../runtime/shared/errors.js';
import type { RegistryContext } from '../context.js';
import { methodNotAllowed, sendJson, splitUrl, type Next, type Req, type Res } from '../http.js';
import { AUDIT_ACTIONS, parseDuration, type AuditAction, type AuditQuery } from '../metadata/index.js';

/**
 * `GET /r/audit?since=&until=&action=&name=&limit=&before=` (admin) — the audit log, newest
 * first; `next` is the `before` of the following page (null at the end).
 */
export function auditMiddleware(ctx: Pick<RegistryContext, 'audit' | 'auth'>) {
  return async function mikr0AuditMiddleware(req: Req, res: Res, next: Next) {
    req.route = 'audit';
    if (req.method !== 'GET' && req.method !== 'HEAD') return next(methodNotAllowed('GET'));
    try {
      await ctx.auth.require(req, 'admin');
      const { pathname, query } = splitUrl(req.url!);
      if (pathname !== '/' && pathname !== '') return next();
      const audit = parseQuery(query);
      const entries = await ctx.audit.list(audit);
      const json = entries.map((e) => ({ ...e, at: new Date(e.at).toISOString() }));
      sendJson(res, 200, { entries: json, next: entries.length === audit.limit ? entries[entries.length - 1].id : null });
    } catch (error) {
      next(error);
    }
  };
}

function parseQuery(query: URLSearchParams): AuditQuery {
  const details: ErrorDetail[] = [];
  const time = (key: string): number | undefined => {
    const raw = query.get(key);
    if (raw === null || raw === '') return undefined;
    const at = parseTime(raw);
    if (at === undefined) details.push({ path: key, message: 'must be an ISO date or time (2026-12-01, 2026-12-01T10:00:00Z), epoch milliseconds, or a duration back from now (30m, 24h, 7d)' });
    return at;
  };
  const integer = (key: string, fallback: number | undefined, max: number) => {
    const raw = query.get(key);
    if (raw === null || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1 || value > max) details.push({ path: key, message: `must be an integer from 1 to ${max}` });
    return value;
  };
  const result: AuditQuery = { limit: integer('limit', 100, 1000)!, since: time('since'), until: time('until'), before: integer('before', undefined, Number.MAX_SAFE_INTEGER) };
  const action = query.get('action');
  if (action) {
    const actions = action.split(',').map((a) => a.trim()).filter(Boolean);
    const unknown = actions.filter((a) => !AUDIT_ACTIONS.includes(a as AuditAction));
    if (unknown.length) details.push({ path: 'action', message: `unknown action ${unknown.map((a) => `"${a}"`).join(', ')}: use ${AUDIT_ACTIONS.join(', ')}` });
    result.actions = actions as AuditAction[];
  }
  const name = query.get('name');
  if (name) result.name = name;
  if (details.length) throw badRequest('Invalid audit query', details);
  return result;
}

/** An ISO date or time, epoch ms, or a duration back from now; undefined when none of them. */
function parseTime(raw: string): number | undefined {
  if (/^\d+$/.test(raw)) return Number(raw);
  if (/^\d+(\.\d+)?\s*[smhd]$/.test(raw)) return Date.now() - parseDuration(raw);
  if (!/^\d{4}-\d{2}-\d{2}/.test(raw)) return undefined;
  const ms = Date.parse(raw);
  return Number.isNaN(ms) ? undefined : ms;
}
