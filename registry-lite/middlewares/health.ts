import type { RegistryContext } from '../context.js';
import { sendJson, type Next, type Req, type Res } from '../http.js';

const CHECK_TIMEOUT_MS = 2000;

/** `GET /health` — 200 when the database and the storage both answer, else 503 naming the failure. */
export function healthMiddleware(ctx: Pick<RegistryContext, 'components' | 'storage'>) {
  return async function mikr0HealthMiddleware(req: Req, res: Res, next: Next) {
    req.route = 'health';
    if (req.url !== '/' && req.url !== '') return next();
    const checks: Record<string, string> = {};
    try {
      await ctx.components.ping();
      checks.database = 'ok';
    } catch (error: any) {
      checks.database = `failed: ${error?.message ?? error}`;
    }
    try {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        ctx.storage.check?.(),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS))),
      ]).finally(() => clearTimeout(timer));
      checks.storage = 'ok';
    } catch (error: any) {
      checks.storage = `failed: ${error?.message ?? error}`;
    }
    const ok = checks.database === 'ok' && checks.storage === 'ok';
    sendJson(res, ok ? 200 : 503, { status: ok ? 'ok' : 'unavailable', checks }, { 'Cache-Control': 'no-store' });
  };
}
