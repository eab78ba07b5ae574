/** The registry's one ordered middleware list. */
import connect from 'connect';
import type { RegistryContext } from './context.js';
import { accessLogMiddleware } from './middlewares/access-log.js';
import { actionMiddleware } from './middlewares/action.js';
import { auditMiddleware } from './middlewares/audit.js';
import { batchMiddleware } from './middlewares/batch.js';
import { clientMiddleware } from './middlewares/client.js';
import { componentsMiddleware } from './middlewares/components.js';
import { corsMiddleware } from './middlewares/cors.js';
import { errorMiddleware, notFoundMiddleware } from './middlewares/errors.js';
import { fallbackMiddleware } from './middlewares/fallback.js';
import { healthMiddleware } from './middlewares/health.js';
import { metricsMiddleware, requestMetricsMiddleware } from './middlewares/metrics.js';
import { publishMiddleware } from './middlewares/publish.js';
import { renderMiddleware } from './middlewares/render.js';
import { requestIdMiddleware } from './middlewares/request-id.js';
import { staticMiddleware } from './middlewares/static.js';
import { tokensMiddleware } from './middlewares/tokens.js';
import { uiMiddleware } from './middlewares/ui.js';
import { whoamiMiddleware } from './middlewares/whoami.js';

export function createApp(ctx: RegistryContext): connect.Server {
  const app = connect();
  const use = app.use.bind(app) as (route: string, fn: (...args: any[]) => unknown) => void;

  // Every response gets an x-request-id; log lines about the request name it.
  app.use(requestIdMiddleware() as connect.NextHandleFunction);
  // A JSON line per response, for log collectors (logFormat 'json'; text logs stay as quiet as ever).
  if (ctx.options.logFormat === 'json') app.use(accessLogMiddleware(ctx) as connect.NextHandleFunction);
  // Count every response, whatever answers it.
  app.use(requestMetricsMiddleware(ctx) as connect.NextHandleFunction);
  // Browser pages on other origins may call the public routes (never publish/admin).
  app.use(corsMiddleware(ctx) as connect.NextHandleFunction);
  // Operations.
  use('/health', healthMiddleware(ctx));
  use('/metrics', metricsMiddleware(ctx));
  // Components this registry does not have, from the fallback registry (vite dev).
  const { fallback } = ctx.options;
  if (fallback) {
    const has = (name: string) => ctx.components.has(name);
    app.use(fallbackMiddleware({ ...fallback, maxBodyBytes: ctx.options.limits.maxJsonBytes, has }) as connect.NextHandleFunction);
  }
  // Rendering: the hot path.
  use('/r/component', renderMiddleware(ctx));
  use('/r/batch', batchMiddleware(ctx));
  use('/r/action', actionMiddleware(ctx));
  use('/r/static', staticMiddleware(ctx));
  use('/r/client.js', clientMiddleware());
  // Registry: list, detail, deprecate; publish (authenticated).
  use('/r/components', componentsMiddleware(ctx));
  use('/r/publish', publishMiddleware(ctx));
  // Administration: tokens, the audit log, who the caller is.
  use('/r/tokens', tokensMiddleware(ctx));
  use('/r/audit', auditMiddleware(ctx));
  use('/r/whoami', whoamiMiddleware(ctx));
  // The playground at /.
  if (ctx.options.ui) app.use(uiMiddleware() as connect.NextHandleFunction);
  // Nothing matched, and the one error boundary.
  app.use(notFoundMiddleware() as connect.NextHandleFunction);
  app.use(errorMiddleware(ctx) as unknown as connect.ErrorHandleFunction);
  return app;
}
