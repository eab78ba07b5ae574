/**
 * Code that runs INSIDE each component's vm context, before the component's own code.
 *
 * `sandboxBootstrap` is never called in the host: its source text is evaluated in the
 * context, so it must be self-contained (no imports, no closures over module scope).
 * It locks what V8 and Node would otherwise hand host objects through, builds the context's
 * globals from the context's own intrinsics (with globals.ts), and talks to the host only
 * through the single function `host`, kept in a closure the component cannot reach. Every
 * answer of the host is a primitive (or an allow-listed module); a host error thrown while
 * bridging (a stack overflow inside a host function, say) is replaced by one of this realm.
 *
 * The host never calls into the context directly: it queues tasks (primitives) and runs the
 * entry script, which calls the entry function installed here under `entryKey`. Entries are
 * the only way component code runs, so every run — jobs, timers, fetch answers, and the
 * microtasks they queue (the context's own queue, `microtaskMode: 'afterEvaluate'`) — is
 * under the host's timeout.
 *
 * Intrinsics are captured up front so a component that patches `Promise.prototype.then`,
 * `JSON` or `Function.prototype.call` cannot intercept what the bootstrap does later.
 */
export interface BootstrapParts {
  globals: (bridge: unknown, parts: unknown) => Record<string, unknown>;
  /** The parts of the web globals (see `globalsParts` in globals.ts), each evaluated in the context. */
  parts: Record<string, unknown>;
  stringify: (value: unknown) => string;
  /** failure.ts's `failureInfo`, compiled in the context. */
  failure: (error: unknown, brand: symbol) => unknown;
}

export function sandboxBootstrap(host: (op: string, ...args: unknown[]) => any, entryKey: string, parts: BootstrapParts, maxResultBytes: number) {
  'use strict';
  const g = globalThis as any;
  const { parse } = JSON;
  const apply = Reflect.apply;
  const { defineProperty, freeze, hasOwn, keys } = Object;
  const OriginalPromise = Promise;
  const then = Promise.prototype.then;
  const resolve = (v: unknown) => apply(OriginalPromise.resolve, OriginalPromise, [v]) as Promise<unknown>;
  const OriginalError = Error;
  const OriginalMap = Map;
  const mapGet = Map.prototype.get;
  const mapSet = Map.prototype.set;
  const mapDelete = Map.prototype.delete;
  const strictStringify = parts.stringify;
  const symbolFor = Symbol.for;
  const now = Date.now;

  /** The only way to the host. A host-realm error never reaches component code. */
  const callHost = (...args: unknown[]): any => {
    try {
      return apply(host, undefined, args);
    } catch {
      throw new OriginalError('The sandbox bridge failed');
    }
  };

  // Node formats stack traces with `globalThis.Error.prepareStackTrace` of the error's realm,
  // handing it CallSite objects of the host's realm. Nobody here may install one.
  defineProperty(OriginalError, 'prepareStackTrace', { value: undefined, writable: false, configurable: false, enumerable: false });
  defineProperty(g, 'Error', { value: OriginalError, writable: false, configurable: false, enumerable: false });
  // Atomics.wait blocks the thread where no timeout reaches; wasm compiles code.
  for (const name of ['Atomics', 'SharedArrayBuffer', 'WebAssembly']) delete g[name];

  /** Host callbacks waiting in this context: timers, scheduled tasks, fetch and plugin answers. */
  const pending = new OriginalMap<number, { fn: (...args: unknown[]) => void; repeat: boolean }>();
  let nextId = 0;
  const later = (fn: (...args: unknown[]) => void, repeat = false) => {
    const id = ++nextId;
    apply(mapSet, pending, [id, { fn, repeat }]);
    return id;
  };

  const report = (what: string, error: unknown) => {
    try {
      callHost('log', 'error', `${what}: ${format(error)}`);
    } catch {}
  };
  const format = (value: unknown): string => {
    if (typeof value === 'string') return value;
    if (value instanceof OriginalError) return value.stack || String(value);
    try {
      const json = strictStringify(value);
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
      callHost('log', level, text);
    };
  const console = freeze({ log: log('info'), info: log('info'), debug: log('debug'), warn: log('warn'), error: log('error') });

  // Timers: the host keeps the real handles; the component sees numbers.
  const timer = (repeat: boolean) => (fn: unknown, ms?: number, ...args: unknown[]) => {
    if (typeof fn !== 'function') throw new TypeError('The "callback" argument must be a function');
    const id = later(() => apply(fn, undefined, args), repeat);
    callHost('timer', id, Number(ms) || 0, repeat);
    return id;
  };
  const clearTimer = (id: unknown) => {
    if (typeof id !== 'number') return;
    apply(mapDelete, pending, [id]);
    callHost('clearTimer', id);
  };
  const schedule = (fn: () => void) => void callHost('schedule', later(fn));

  /** Calls the host asynchronously; it answers later with a task `call(id, ok, text)`. */
  const call = (op: string, ...args: unknown[]) =>
    new OriginalPromise<string>((ok, fail) => {
      const id = later((success: unknown, text: unknown) => (success ? ok(text as string) : fail(new OriginalError(String(text)))));
      callHost(op, id, ...args);
    });

  const standard = parts.globals(
    {
      parseUrl: (input: string, base: string | undefined) => String(callHost('url', String(input), base === undefined ? undefined : String(base))),
      schedule,
      delay: (fn: () => void, ms: number) => void timer(false)(fn, ms),
    },
    parts.parts,
  );

  // A small fetch: text bodies in and out, so no host Response object crosses over.
  const fetch = (input: unknown, init?: { method?: string; headers?: Record<string, string>; body?: unknown }) => {
    let headers: Record<string, string> | undefined;
    if (init?.headers) {
      headers = {};
      const given: any = init.headers;
      if (typeof given.forEach === 'function' && typeof given.get === 'function') given.forEach((v: unknown, k: unknown) => (headers![String(k)] = String(v)));
      else for (const key of keys(given)) headers[key] = String(given[key]);
    }
    const request = strictStringify({
      url: input && typeof input === 'object' && 'href' in (input as any) ? String((input as any).href) : String(input),
      method: init?.method === undefined ? undefined : String(init.method),
      headers,
      body: init?.body === undefined || init.body === null ? undefined : String(init.body),
    });
    return apply(then, call('fetch', request), [
      (text: string) => {
        const r = parse(text) as { status: number; statusText: string; url: string; headers: [string, string][]; body: string };
        const map: Record<string, string> = {};
        for (const [k, v] of r.headers) map[k] = v;
        return freeze({
          ok: r.status >= 200 && r.status < 300,
          status: r.status,
          statusText: r.statusText,
          url: r.url,
          headers: freeze({ get: (name: string) => map[String(name).toLowerCase()] ?? null, has: (name: string) => String(name).toLowerCase() in map }),
          text: async () => r.body,
          json: async () => parse(r.body),
        });
      },
    ]);
  };

  const globals: Record<string, unknown> = {
    ...standard,
    console,
    fetch,
    setTimeout: timer(false),
    setInterval: timer(true),
    setImmediate: (fn: unknown, ...args: unknown[]) => timer(false)(fn, 0, ...args),
    clearTimeout: clearTimer,
    clearInterval: clearTimer,
    clearImmediate: clearTimer,
    process: freeze({
      env: freeze({ NODE_ENV: 'production' }),
      nextTick: (fn: (...a: unknown[]) => void, ...args: unknown[]) => apply(then, resolve(undefined), [() => apply(fn, undefined, args)]),
    }),
  };
  for (const key of keys(globals)) defineProperty(g, key, { value: globals[key], writable: true, configurable: true, enumerable: false });
  g.global = g;
  if (callHost('testEscape') === true) g.__mikr0TestProcess = callHost('testProcess');

  const requireModule = (id: unknown) => {
    const result = callHost('require', String(id));
    if (typeof result === 'string') {
      const error: any = new OriginalError(result);
      error.code = 'DEPENDENCY_NOT_ALLOWED';
      throw error;
    }
    return result;
  };

  let pluginsProxy: unknown;
  const makePlugins = (names: string[]) => {
    const available: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
    for (const name of names) {
      available[name] = (...args: unknown[]) => apply(then, call('plugin', name, strictStringify(args)), [(text: string) => (text === '' ? undefined : parse(text))]);
    }
    return new Proxy(freeze(available), {
      get(target, key) {
        if (typeof key !== 'string' || key === 'then') return undefined;
        if (hasOwn(target, key)) return target[key];
        const error: any = new OriginalError(
          `This registry does not provide the plugin "${key}". Add it to the registry's \`plugins\` option or stop using it in the component.`,
        );
        error.code = 'PLUGIN_MISSING';
        throw error;
      },
    });
  };

  let definition: any;
  const init = () => {
    const moduleFunction = callHost('moduleFunction');
    const module = { exports: {} as any };
    apply(moduleFunction, module.exports, [module.exports, requireModule, module, callHost('filename'), '/']);
    const exported = module.exports;
    const found = exported && exported.__esModule && exported.default ? exported.default : exported.default ?? exported;
    if (!found || typeof found !== 'object') {
      throw new OriginalError('server.cjs must export the component definition (module.exports = { loader, actions })');
    }
    definition = found;
  };

  const brand = symbolFor('mikr0.error');
  const describe = (error: unknown) => strictStringify(parts.failure(error, brand));

  const finish = (id: number, error: unknown, data?: string, html?: string, load = false) => {
    let info: string;
    try {
      info = error === null ? '' : describe(error);
    } catch {
      info = '{"message":"server code threw a value that cannot be described"}';
    }
    callHost('done', id, info, data, html, load);
  };

  const serialise = (value: unknown) => {
    const json = strictStringify(value);
    if (json.length > maxResultBytes) {
      throw new OriginalError(`the result is ${Math.round(json.length / 1024)} kB of JSON, more than the ${Math.round(maxResultBytes / 1024)} kB a result may be`);
    }
    return json;
  };

  /** Runs the loader (then `render`) or one action of job `id`. */
  const run = (id: number, kind: string, action: string, argsJson: string, pluginNames: string[]) => {
    if (definition === undefined) {
      try {
        init();
      } catch (error) {
        return finish(id, error, undefined, undefined, true);
      }
    }
    try {
      const args = parse(argsJson);
      const plugins = pluginsProxy ?? (pluginsProxy = makePlugins(pluginNames));
      let work: unknown;
      if (kind === 'loader') {
        const loader = definition.loader;
        work = typeof loader === 'function' ? loader({ parameters: args.parameters, headers: args.headers, plugins }) : undefined;
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
            const json = serialise(data);
            if (kind === 'loader' && typeof definition.render === 'function') {
              apply(then, resolve(definition.render(parse(json))), [
                (html: unknown) => {
                  if (typeof html !== 'string') finish(id, new OriginalError(`render() must return a string of HTML, got ${html === null ? 'null' : typeof html}`));
                  else if (html.length > maxResultBytes) {
                    finish(id, new OriginalError(`render() returned ${Math.round(html.length / 1024)} kB of HTML, more than the ${Math.round(maxResultBytes / 1024)} kB a result may be`));
                  } else finish(id, null, json, html);
                },
                (error: unknown) => finish(id, error),
              ]);
            } else {
              finish(id, null, json);
            }
          } catch (error) {
            finish(id, error);
          }
        },
        (error: unknown) => finish(id, error),
      ]);
    } catch (error) {
      finish(id, error);
    }
  };

  /**
   * The entry: runs the tasks the host queued for this context, in order. After 50 ms it stops
   * taking more, so a slow run does not eat into the timeout of the runs queued behind it.
   */
  const enter = () => {
    const started = now();
    for (let text = callHost('next'); text !== ''; text = now() - started > 50 ? '' : callHost('next')) {
      const task = parse(text) as any[];
      const op = task[0];
      if (op === 'run') {
        callHost('begin', task[1]);
        run(task[1], task[2], task[3], task[4], task[5]);
      } else if (op === 'call') {
        const entry = apply(mapGet, pending, [task[1]]);
        if (!entry) continue;
        if (!entry.repeat) apply(mapDelete, pending, [task[1]]);
        callHost('begin', task[2]);
        try {
          apply(entry.fn, undefined, [task[3], task[4]]);
        } catch (error) {
          report('a callback of server code threw', error);
        }
      } else if (op === 'drop') {
        for (const id of task[1]) apply(mapDelete, pending, [id]);
      }
    }
  };
  defineProperty(g, entryKey, { value: enter, writable: false, configurable: false, enumerable: false });
}
