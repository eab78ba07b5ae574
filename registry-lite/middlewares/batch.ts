import { badRequest, createError, normalizeError, toEnvelope } from '../../runtime/shared/errors.js';
import type { RawParameters } from '../../runtime/node/parameters.js';
import type { RegistryContext } from '../context.js';
import { methodNotAllowed, readJson, sendJsonText, type Next, type Req, type Res } from '../http.js';

interface BatchItem {
  name: string;
  version?: string;
  parameters?: RawParameters;
  /** Milliseconds this component may take before its answer is a 504 (the others still come). */
  timeout?: number;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A per-component wait longer than this is no bound at all (the sandbox has its own timeout). */
const MAX_TIMEOUT = 60_000;
const isTimeout = (value: unknown) => typeof value === 'number' && Number.isFinite(value) && value >= 1 && value <= MAX_TIMEOUT;

/** The render, or a 504 once `ms` have passed (the render itself goes on and its answer is dropped). */
function within<T>(work: Promise<T>, ms: number | undefined, name: string): Promise<T> {
  if (ms === undefined) return work;
  let timer: NodeJS.Timeout;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(createError({ status: 504, code: 'TIMEOUT', message: `${name} did not render within the batch's ${ms} ms timeout` })),
      ms,
    );
  });
  // A render that fails after its timeout has nobody left to tell.
  work.catch(() => {});
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/**
 * `POST /r/batch` — `{ components: [{ name, version?, parameters?, timeout? }], parameters?, timeout? }`.
 * Answers in input order, each `{ status, response }`; one failing component does not
 * fail the others. Shared `parameters` apply to every component under its own. A component
 * that takes longer than its `timeout` (ms; or the batch's) is answered 504 TIMEOUT at that
 * moment, so one slow component does not hold a page server's whole batch.
 */
export function batchMiddleware(ctx: Pick<RegistryContext, 'core' | 'logger' | 'metrics' | 'options' | 'rendered' | 'resolve' | 'target'>) {
  const usage = 'send { "components": [{ "name": "hello", "version": "1.x", "parameters": {}, "timeout": 1000 }], "parameters": {}, "timeout": 2000 }';
  return async function mikr0BatchMiddleware(req: Req, res: Res, next: Next) {
    req.route = 'batch';
    if (req.url !== '/' && req.url !== '' && !req.url?.startsWith('?')) return next();
    if (req.method !== 'POST') return next(methodNotAllowed('POST'));
    const start = performance.now();
    try {
      const body = await readJson(req, ctx.options.limits.maxJsonBytes);
      const items = validate(body, ctx.options.limits.maxBatch);
      const shared = isObject(body) && isObject(body.parameters) ? body.parameters : {};
      const timeout = isObject(body) ? (body.timeout as number | undefined) : undefined;
      const results = await Promise.all(
        items.map(async (item) => {
          try {
            const render = async () => {
              const record = await ctx.resolve(item.name, item.version ?? '');
              ctx.rendered(record);
              return ctx.core.render(ctx.target(record, req), { ...shared, ...item.parameters }, req.headers);
            };
            const payload = await within(render(), item.timeout ?? timeout, item.name);
            // Spliced as text, so only a payload the render core built may go in.
            if (typeof payload !== 'string') {
              throw createError({ status: 500, code: 'INTERNAL_ERROR', message: `Rendering ${item.name} produced no payload` });
            }
            return `{"status":200,"response":${payload}}`;
          } catch (error) {
            return itemError(item.name, error, req.id);
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

  /** One failed item; it never fails the batch, whatever was thrown. */
  function itemError(name: string, error: unknown, requestId: string | undefined): string {
    const normal = normalizeError(error);
    const status = Number.isInteger(normal.status) ? normal.status : 500;
    if (status >= 500) ctx.logger.error(`mikr0: batch render of ${name} failed (request ${requestId}): ${normal.message}`);
    try {
      return `{"status":${status},"response":${JSON.stringify(toEnvelope(normal))}}`;
    } catch {
      // Details a component attached to its error that JSON cannot hold (a cycle, a BigInt).
      const plain = createError({ status: 500, code: 'INTERNAL_ERROR', message: `Rendering ${name} failed` });
      return `{"status":500,"response":${JSON.stringify(toEnvelope(plain))}}`;
    }
  }

  function validate(body: unknown, max: number): BatchItem[] {
    if (!isObject(body) || !Array.isArray(body.components)) throw badRequest(`The batch body needs a "components" array: ${usage}`);
    if (body.components.length > max) throw badRequest(`A batch may hold at most ${max} components; split it into several requests`);
    if (body.parameters !== undefined && !isObject(body.parameters)) throw badRequest(`"parameters" must be an object: ${usage}`);
    if (body.timeout !== undefined && !isTimeout(body.timeout)) throw badRequest(`"timeout" must be a number of milliseconds from 1 to ${MAX_TIMEOUT}: ${usage}`);
    const details = body.components.flatMap((item: unknown, i: number) => {
      if (!isObject(item)) return [{ path: `components[${i}]`, message: 'must be an object' }];
      const problems = [];
      if (typeof item.name !== 'string' || !item.name) problems.push({ path: `components[${i}].name`, message: 'must be a non-empty string' });
      if (item.version !== undefined && typeof item.version !== 'string') problems.push({ path: `components[${i}].version`, message: 'must be a string' });
      if (item.parameters !== undefined && !isObject(item.parameters)) problems.push({ path: `components[${i}].parameters`, message: 'must be an object' });
      if (item.timeout !== undefined && !isTimeout(item.timeout)) problems.push({ path: `components[${i}].timeout`, message: `must be a number of milliseconds from 1 to ${MAX_TIMEOUT}` });
      return problems;
    });
    if (details.length) throw badRequest(`Invalid batch request: ${usage}`, details);
    return body.components as BatchItem[];
  }
}
