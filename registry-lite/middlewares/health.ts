import type { RegistryContext } from '../context.js';
import { sendJson, type Next, type Req, type Res } from '../http.js';

/** A load balancer's probe gives up after a few seconds: answer before it does. */
const CHECK_TIMEOUT_MS = 2000;

/**
 * `GET /health` — 200 when the database and the storage both answer, else 503 naming the one
 * that does not, with its one-line reason. Asked afresh every time: it turns 200 again by
 * itself once the dependency is back.
 */
export function healthMiddleware(ctx: Pick<RegistryContext, 'checks'>) {
  return async function mikr0HealthMiddleware(req: Req, res: Res, next: Next) {
    req.route = 'health';
    if (req.url !== '/' && req.url !== '') return next();
    const [database, storage] = await Promise.all([
      outcome(ctx.checks.database(CHECK_TIMEOUT_MS)),
      outcome(ctx.checks.storage(CHECK_TIMEOUT_MS)),
    ]);
    const checks = { database, storage };
    const ok = database === 'ok' && storage === 'ok';
    sendJson(res, ok ? 200 : 503, { status: ok ? 'ok' : 'unavailable', checks }, { 'Cache-Control': 'no-store' });
  };
}

/** `ok`, or `failed: <one line>`. */
function outcome(check: Promise<void>): Promise<string> {
  return check.then(
    () => 'ok',
    (error) => `failed: ${String(error?.message ?? error).split('\n')[0]}`,
  );
}
