import { badRequest, normalizeError, toEnvelope } from '../../runtime/core/errors.js';
import type { RawParameters } from '../../runtime/core/parameters.js';
import type { RegistryContext } from '../context.js';
import { methodNotAllowed, readJson, sendJsonText, type Next, type Req, type Res } from '../http.js';

interface BatchItem {
  name: string;
  version?: string;
  parameters?: RawParameters;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * `POST /r/batch` — `{ components: [{ name, version?, parameters? }], parameters? }`.
 * Answers in input order, each `{ status, response }`; one failing component does not
 * fail the others. Shared `parameters` apply to every component under its own.
 */
export function batchMiddleware(ctx: RegistryContext) {
  const usage = 'send { "components": [{ "name": "hello", "version": "1.x", "parameters": {} }], "parameters": {} }';
  return async function mikr0BatchMiddleware(req: Req, res: Res, next: Next) {
    req.route = 'batch';
    if (req.url !== '/' && req.url !== '' && !req.url?.startsWith('?')) return next();
    if (req.method !== 'POST') return next(methodNotAllowed('POST'));
    const start = performance.now();
    try {
      const body = await readJson(req, ctx.options.limits.maxJsonBytes);
      const items = validate(body, ctx.options.limits.maxBatch);
      const shared = isObject(body) && isObject(body.parameters) ? body.parameters : {};
      const results = await Promise.all(
        items.map(async (item) => {
          try {
            const record = ctx.resolve(item.name, item.version ?? '');
            const payload = await ctx.core.render(ctx.target(record, req), { ...shared, ...item.parameters }, req.headers);
            return `{"status":200,"response":${payload}}`;
          } catch (error) {
            const normal = normalizeError(error);
            if (normal.status >= 500) ctx.logger.error(`mikr0: batch render of ${item.name} failed: ${normal.message}`);
            return `{"status":${normal.status},"response":${JSON.stringify(toEnvelope(normal))}}`;
          }
        }),
      );
      sendJsonText(res, 200, `[${results.join(',')}]`);
    } catch (error) {
      next(error);
    } finally {
      ctx.metrics.renderDuration((performance.now() - start) / 1000);
    }
  };

  function validate(body: unknown, max: number): BatchItem[] {
    if (!isObject(body) || !Array.isArray(body.components)) throw badRequest(`The batch body needs a "components" array: ${usage}`);
    if (body.components.length > max) throw badRequest(`A batch may hold at most ${max} components; split it into several requests`);
    if (body.parameters !== undefined && !isObject(body.parameters)) throw badRequest(`"parameters" must be an object: ${usage}`);
    const details = body.components.flatMap((item: unknown, i: number) => {
      if (!isObject(item)) return [{ path: `components[${i}]`, message: 'must be an object' }];
      const problems = [];
      if (typeof item.name !== 'string' || !item.name) problems.push({ path: `components[${i}].name`, message: 'must be a non-empty string' });
      if (item.version !== undefined && typeof item.version !== 'string') problems.push({ path: `components[${i}].version`, message: 'must be a string' });
      if (item.parameters !== undefined && !isObject(item.parameters)) problems.push({ path: `components[${i}].parameters`, message: 'must be an object' });
      return problems;
    });
    if (details.length) throw badRequest(`Invalid batch request: ${usage}`, details);
    return body.components as BatchItem[];
  }
}
