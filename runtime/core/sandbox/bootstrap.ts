/**
 * Code that runs INSIDE each component's vm context, before the component's own code.
 *
 * `sandboxBootstrap` is never called in the host: its source text is evaluated in the
 * context, so it must be self-contained (no imports, no closures over module scope).
 * It builds the context's globals from the context's own intrinsics and talks to the host
 * through the single function `host`, which it keeps in a closure the component cannot
 * reach. The host only ever hands back primitives (or an allow-listed module), so the
 * component never holds a host object whose `constructor.constructor` would be the host's
 * `Function` — the classic vm escape.
 *
 * Intrinsics are captured up front so a component that patches `Promise.prototype.then`,
 * `JSON` or `Function.prototype.call` cannot intercept what the bootstrap does later.
 */
export function sandboxBootstrap(host: (op: string, ...args: unknown[]) => unknown) {
  'use strict';
  const g = globalThis as any;
  const { parse, stringify } = JSON;
  const apply = Reflect.apply;
  const OriginalPromise = Promise;
  const then = Promise.prototype.then;
  const resolve = (v: unknown) => apply(OriginalPromise.resolve, OriginalPromise, [v]) as Promise<unknown>;
  const OriginalError = Error;
  const freeze = Object.freeze;
  const hasOwn = Object.hasOwn;

  const format = (value: unknown): string => {
    if (typeof value === 'string') return value;
    if (value instanceof OriginalError) return value.stack || String(value);
    try {
      const json = stringify(value);
      return json === undefined ? String(value) : json;
    } catch {
      return String(value);
    }
  };
  const log =
    (level: string) =>
    (...args: unknown[]) => {
      let text = '';
      for (let i = 0; i < args.length; i++) text += (i ? ' ' : '') + format(args[i]);
      host('log', level, text);
    };
  g.console = freeze({ log: log('info'), info: log('info'), debug: log('debug'), warn: log('warn'), error: log('error') });

  // Timers: the host keeps the real handles; the component sees numbers.
  g.setTimeout = (fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) =>
    host('timer', () => apply(fn, undefined, args), Number(ms) || 0, false);
  g.setInterval = (fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) =>
    host('timer', () => apply(fn, undefined, args), Number(ms) || 0, true);
  g.clearTimeout = g.clearInterval = (id: unknown) => {
    if (typeof id === 'number') host('clearTimer', id);
  };
  g.queueMicrotask = (fn: () => void) => {
    apply(then, resolve(undefined), [fn]);
  };
  g.global = g;
  g.process = freeze({
    env: freeze({ NODE_ENV: 'production' }),
    nextTick: (fn: (...a: unknown[]) => void, ...args: unknown[]) => g.queueMicrotask(() => apply(fn, undefined, args)),
  });

  /** Calls the host asynchronously; the host answers with a JSON string or an error message. */
  const call = (op: string, ...args: unknown[]) =>
    new OriginalPromise<unknown>((ok, fail) => {
      host(
        op,
        ...args,
        (json: string) => ok(json === undefined ? undefined : parse(json)),
        (message: string) => fail(new OriginalError(message)),
      );
    });

  // A small fetch: text bodies in and out, so no host Response object crosses over.
  g.fetch = (input: unknown, init?: { method?: string; headers?: Record<string, string>; body?: unknown }) => {
    const request = stringify({
      url: String(input),
      method: init?.method,
      headers: init?.headers,
      body: init?.body === undefined ? undefined : String(init.body),
    });
    return apply(then, call('fetch', request), [
      (r: { status: number; statusText: string; url: string; headers: [string, string][]; body: string }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of r.headers) headers[k] = v;
        return freeze({
          ok: r.status >= 200 && r.status < 300,
          status: r.status,
          statusText: r.statusText,
          url: r.url,
          headers: freeze({ get: (name: string) => headers[String(name).toLowerCase()] ?? null }),
          text: async () => r.body,
          json: async () => parse(r.body),
        });
      },
    ]);
  };

  const requireModule = (id: unknown) => {
    const result = host('require', String(id));
    if (typeof result === 'string') {
      const error: any = new OriginalError(result);
      error.code = 'DEPENDENCY_NOT_ALLOWED';
      throw error;
    }
    return result;
  };

  const makePlugins = (names: string[]) => {
    const available: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
    for (const name of names) available[name] = (...args: unknown[]) => call('plugin', name, stringify(args));
    return new Proxy(freeze(available), {
      get(target, key) {
        if (typeof key !== 'string' || key === 'then') return undefined;
        if (key in target) return target[key];
        const error: any = new OriginalError(
          `This registry does not provide the plugin "${key}". Add it to the registry's \`plugins\` option or stop using it in the component.`,
        );
        error.code = 'PLUGIN_MISSING';
        throw error;
      },
    });
  };

  let pluginsProxy: unknown;

  /** Runs the module function compiled by the host; returns what it exports. */
  const init = (moduleFunction: Function, filename: string) => {
    const module = { exports: {} as any };
    apply(moduleFunction, module.exports, [module.exports, requireModule, module, filename, '/']);
    const exported = module.exports;
    const definition = exported && exported.__esModule && exported.default ? exported.default : exported.default ?? exported;
    if (!definition || typeof definition !== 'object') {
      throw new OriginalError('server.cjs must export the component definition (module.exports = { loader, actions })');
    }
    return definition;
  };

  const describe = (error: any) => {
    const brand = error && error[Symbol.for('mikr0.error')] === true;
    return stringify({
      message: error && typeof error.message === 'string' ? error.message : String(error),
      stack: error && typeof error.stack === 'string' ? error.stack : undefined,
      code: error && typeof error.code === 'string' ? error.code : undefined,
      status: brand && typeof error.status === 'number' ? error.status : undefined,
      details: brand && error.details ? error.details : undefined,
    });
  };

  /**
   * Runs the loader (then `render`) or one action. `done(error, dataJson, html)` is the
   * host's and is only ever called with primitives.
   */
  const invoke = (
    definition: any,
    kind: 'loader' | 'action',
    action: string,
    argsJson: string,
    pluginNames: string[],
    done: (error: string | null, data?: string, html?: string) => void,
  ) => {
    let settled = false;
    const finish = (error: string | null, data?: string, html?: string) => {
      if (settled) return;
      settled = true;
      done(error, data, html);
    };
    try {
      const args = parse(argsJson);
      const plugins = pluginsProxy ?? (pluginsProxy = makePlugins(pluginNames));
      let work: unknown;
      if (kind === 'loader') {
        const loader = definition.loader;
        work =
          typeof loader === 'function'
            ? loader({ parameters: args.parameters, headers: args.headers, plugins })
            : undefined;
      } else {
        const actions = definition.actions;
        const fn = actions && hasOwn(actions, action) ? actions[action] : undefined;
        if (typeof fn !== 'function') {
          const error: any = new OriginalError(`Unknown action "${action}"`);
          error.code = 'UNKNOWN_ACTION';
          throw error;
        }
        work = fn(args.input, { headers: args.headers, plugins });
      }
      apply(then, resolve(work), [
        (data: unknown) => {
          try {
            const json = stringify(data === undefined ? null : data);
            if (kind === 'loader' && typeof definition.render === 'function') {
              apply(then, resolve(definition.render(parse(json))), [
                (html: unknown) => finish(null, json, String(html)),
                (error: unknown) => finish(describe(error)),
              ]);
            } else {
              finish(null, json);
            }
          } catch (error) {
            // Data that JSON cannot hold (a cycle, a BigInt) or a render() that throws at once.
            finish(describe(error));
          }
        },
        (error: unknown) => finish(describe(error)),
      ]);
    } catch (error) {
      finish(describe(error));
    }
  };

  return freeze({ init, invoke });
}
