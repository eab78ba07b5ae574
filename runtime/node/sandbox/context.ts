/**
 * One component version in its own vm context, as a sandbox process runs it: the host side of
 * bootstrap.ts. Component code only ever runs inside an *entry* — one `runInContext` that can
 * be stopped (a timeout, or SIGINT from the pool), which covers the context's own microtask
 * queue — so a synchronous loop, an endless promise chain or a spinning timer is stopped in
 * place, without killing the process.
 *
 * Work belongs to the job that started it: timers, intervals, scheduled tasks and fetches
 * made while a job's code runs die with that job (`end`).
 *
 * The dev server builds its contexts here too (plugin/dev/executor.ts), with the host's
 * microtask queue (`microtasks: 'host'`) and Vite's transformed modules compiled in with
 * `evaluate`, so code sees the same globals and jobs take the same path in `vite dev`.
 */
import vm from 'node:vm';
import { sandboxBootstrap } from './bootstrap.js';
import { contextGlobals, globalsParts } from './globals.js';
import { failureInfo } from './failure.js';
import { createStrictStringify } from './serialize.js';

export interface ContextHost {
  /** The version (`name@version`) and its server code, when known at creation; else see `load`. */
  label?: string;
  code?: string;
  cachedData?: Buffer;
  /**
   * How an entry that runs too long is stopped: after `timeout` ms (a watchdog thread per
   * entry), or by SIGINT from whoever watches this process (`'signal'`: the sandbox pool,
   * which sees the process go silent). A watchdog thread per entry costs a thread start and
   * join each time, which under load took a third of the sandbox's throughput.
   */
  timeout: number | 'signal';
  maxResultBytes: number;
  pluginNames: string[];
  require(specifier: string): unknown;
  fetch(requestJson: string): Promise<string>;
  plugin(name: string, argsJson: string): Promise<string>;
  log(level: string, text: string): void;
  /** A job settled: `info` is '' on success, else the failure as JSON. */
  done(job: number, info: string, data: string | undefined, html: string | undefined, load: boolean): void;
  /** An entry is about to run (the process tells the pool whose code it is running). */
  entering?(): void;
  /** An entry ended (the process checks its memory before results leave). */
  entered(): void;
  /** An entry was stopped (timeout) or failed in the host; the context is no longer usable. */
  broken(reason: "timeout" | "failure", job: number | undefined, error: any): void;
  /** Test-only: hand component code the real `process` (proves the process boundary holds). */
  exposeProcess?: boolean;
  /**
   * Whose microtask queue the context's promises use. 'context' (the default, what the
   * registry runs): its own, drained inside each entry, so the timeout covers them. 'host':
   * the host's — for the dev server, where host code (Vite's module runner) and the context's
   * code await each other's promises; an entry's timeout then covers its synchronous part only.
   */
  microtasks?: 'context' | 'host';
}

export interface ComponentContext {
  /**
   * Compiles the version's server code into this context (once). A context can be made ahead,
   * before anyone asks for a version, and loaded when one does: the first render of a version
   * then skips making the context and its globals.
   */
  load(label: string, code: string, cachedData?: Buffer): void;
  run(job: number, kind: string, action: string, argsJson: string): void;
  /** Stops everything job `job` left behind (timers, intervals, fetches). */
  end(job: number): void;
  /** Jobs queued or running here. */
  jobs(): number[];
  /** V8's code cache for the compiled server code, once it has run, when it was not given a usable one. */
  codeCache(): Buffer | undefined;
  /**
   * Compiles `source` as a script of this context and returns what it evaluates to, outside
   * any entry (no timeout). For the dev server: Vite's transformed modules, compiled here so
   * they see the same globals as server.cjs. The registry does not use it.
   */
  evaluate(source: string, filename: string): unknown;
  dispose(): void;
  readonly disposed: boolean;
}

// Evaluated once per context; kept as text so each context compiles its own copy.
const sources: Record<string, string> = {
  bootstrap: `(${sandboxBootstrap})`,
  globals: `(${contextGlobals})`,
  stringify: `(${createStrictStringify})`,
  failure: `(${failureInfo})`,
};
const partNames = Object.keys(globalsParts) as (keyof typeof globalsParts)[];
for (const name of partNames) sources[name] = `(${globalsParts[name]})`;
const scripts = Object.fromEntries(Object.entries(sources).map(([key, source]) => [key, new vm.Script(source, { filename: `mikr0:${key}` })]));
const ENTRY_KEY = `__mikr0_enter_${Math.random().toString(36).slice(2)}`;
const entryScript = new vm.Script(`${ENTRY_KEY}()`, { filename: 'mikr0:entry' });
const URL_FIELDS = ['href', 'origin', 'protocol', 'username', 'password', 'host', 'hostname', 'port', 'pathname', 'search', 'hash'] as const;

function parseUrl(input: string, base: string | undefined): string {
  try {
    const url = new URL(input, base);
    const record: Record<string, string> = {};
    for (const field of URL_FIELDS) record[field] = url[field];
    return JSON.stringify(record);
  } catch (error: any) {
    return '!' + String(error?.message ?? error);
  }
}

export function createComponentContext(host: ContextHost): ComponentContext {
  const context = vm.createContext(Object.create(null), {
    codeGeneration: { strings: false, wasm: false },
    ...(host.microtasks === 'host' ? {} : { microtaskMode: 'afterEvaluate' as const }),
  });
  const ContextError = vm.runInContext('Error', context) as ErrorConstructor;
  let label = '';
  let filename = '';
  let script: vm.Script | undefined;
  let moduleFunction: unknown;
  let inbox: unknown[][] = [];
  let scheduled = false;
  /** Run an entry even with no task: microtasks are waiting in the context's queue. */
  let drain = false;
  let disposed = false;
  let current: number | undefined;
  let cache: Buffer | undefined;
  let ran = false;
  /** Jobs in this context and what they own: host timer handles and callback ids. */
  const jobs = new Map<number, Set<number>>();
  const handles = new Map<number, NodeJS.Timeout>();
  const owner = new Map<number, number | undefined>();

  // import() is refused with an error of the context's realm (Node's own would be the host's).
  const refuseImport = (() => {
    // The rejection settles in this context's own queue, which only an entry drains.
    drain = true;
    schedule();
    throw new ContextError('import() is not available in server code: bundle the module into server.cjs');
  }) as any;

  function load(version: string, code: string, cachedData?: Buffer) {
    if (script) throw new Error(`This sandbox context already holds ${label}`);
    label = version;
    filename = `mikr0://${label}/server.cjs`;
    const wrapped = `(function (exports, require, module, __filename, __dirname) {${code}\n})`;
    script = new vm.Script(wrapped, { filename, cachedData, importModuleDynamically: refuseImport });
    moduleFunction = script.runInContext(context);
  }

  /**
   * Records that the running job owns host callback `id`. False when that job has already
   * ended (code still running after its answer, or a job cancelled before it ran): its work
   * is not started at all.
   */
  function own(id: number): boolean {
    if (current === undefined) {
      owner.set(id, undefined);
      return true;
    }
    const owned = jobs.get(current);
    if (!owned) return false;
    owner.set(id, current);
    owned.add(id);
    return true;
  }

  function queue(task: unknown[]) {
    inbox.push(task);
    schedule();
  }

  function schedule() {
    if (scheduled || disposed) return;
    scheduled = true;
    setImmediate(enter);
  }

  /** Settles a host callback: queued as a task so it runs inside an entry. */
  function answer(id: number, ok: boolean, text: string) {
    if (disposed || !owner.has(id)) return;
    const job = owner.get(id);
    owner.delete(id);
    if (job !== undefined) jobs.get(job)?.delete(id);
    queue(['call', id, job ?? null, ok, text]);
  }

  function bridge(op: string, ...args: any[]): unknown {
    switch (op) {
      case 'next': {
        let task = inbox.shift();
        // A job cancelled (timed out) before it ran does not run at all.
        while (task && task[0] === 'run' && !jobs.has(task[1] as number)) task = inbox.shift();
        return task === undefined ? '' : JSON.stringify(task);
      }
      case 'begin':
        current = typeof args[0] === 'number' ? args[0] : undefined;
        return undefined;
      case 'done': {
        const [job, info, data, html, load] = args;
        if (!jobs.has(job)) return undefined;
        host.done(job, String(info), data === undefined ? undefined : String(data), html === undefined ? undefined : String(html), load === true);
        if (info === '') ran = true;
        return undefined;
      }
      case 'log':
        host.log(String(args[0]), `[${label}] ${String(args[1])}`);
        return undefined;
      case 'require':
        return host.require(String(args[0]));
      case 'moduleFunction':
        return moduleFunction;
      case 'filename':
        return filename;
      case 'url':
        return parseUrl(String(args[0]), args[1] === undefined ? undefined : String(args[1]));
      case 'timer': {
        const [id, ms, repeat] = args as [number, number, boolean];
        const fire = () => {
          if (!repeat) handles.delete(id);
          const entry = owner.get(id);
          if (!repeat) answer(id, true, '');
          else queue(['call', id, entry ?? null, true, '']);
        };
        if (own(id)) handles.set(id, repeat ? setInterval(fire, Math.max(1, ms)) : setTimeout(fire, ms));
        return undefined;
      }
      case 'clearTimer': {
        const handle = handles.get(args[0]);
        if (handle) clearTimeout(handle), handles.delete(args[0]), owner.delete(args[0]);
        return undefined;
      }
      case 'schedule': {
        const id = args[0] as number;
        if (own(id)) setImmediate(() => answer(id, true, ''));
        return undefined;
      }
      case 'fetch': {
        const id = args[0] as number;
        if (!own(id)) return undefined;
        host.fetch(String(args[1])).then(
          (text) => answer(id, true, text),
          (error) => answer(id, false, String(error?.message ?? error)),
        );
        return undefined;
      }
      case 'plugin': {
        const id = args[0] as number;
        if (!own(id)) return undefined;
        host.plugin(String(args[1]), String(args[2])).then(
          (text) => answer(id, true, text),
          (error) => answer(id, false, String(error?.message ?? error)),
        );
        return undefined;
      }
      case 'testEscape':
        return host.exposeProcess === true;
      case 'testProcess':
        return host.exposeProcess === true ? process : undefined;
      default:
        return undefined;
    }
  }

  function enter() {
    scheduled = false;
    if (disposed || (inbox.length === 0 && !drain)) return;
    drain = false;
    host.entering?.();
    try {
      entryScript.runInContext(context, host.timeout === 'signal' ? { breakOnSigint: true } : { timeout: host.timeout });
    } catch (error: any) {
      const job = current;
      current = undefined;
      dispose();
      const stopped = error?.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT' || error?.code === 'ERR_SCRIPT_EXECUTION_INTERRUPTED';
      host.broken(stopped ? 'timeout' : 'failure', job, error);
      return;
    }
    current = undefined;
    // Tasks left by an entry that stopped early (it ran long) get an entry, and a limit, of their own.
    if (inbox.length > 0) schedule();
    host.entered();
  }

  const run = (key: string) => scripts[key].runInContext(context);
  const parts: Record<string, unknown> = {};
  for (const name of partNames) parts[name] = run(name);
  run('bootstrap')(bridge, ENTRY_KEY, { globals: run('globals'), parts, stringify: run('stringify')(), failure: run('failure') }, host.maxResultBytes);
  if (host.code !== undefined) load(host.label ?? 'component', host.code, host.cachedData);

  function end(job: number) {
    const owned = jobs.get(job);
    if (!owned) return;
    jobs.delete(job);
    if (owned.size === 0) return;
    for (const id of owned) {
      const handle = handles.get(id);
      if (handle) clearTimeout(handle), handles.delete(id);
      owner.delete(id);
    }
    inbox.push(['drop', [...owned]]);
  }

  function dispose() {
    if (disposed) return;
    disposed = true;
    for (const handle of handles.values()) clearTimeout(handle);
    handles.clear();
    owner.clear();
    inbox = [];
  }

  return {
    load,
    run(job, kind, action, argsJson) {
      jobs.set(job, new Set());
      queue(['run', job, kind, action, argsJson, host.pluginNames]);
    },
    end,
    jobs: () => [...jobs.keys()],
    // Made when asked (after the first success), not while a job waits for its answer.
    codeCache() {
      // Only when there is something new: no cache was given, or V8 refused the one given.
      if (!ran || !script || script.cachedDataRejected === false) return undefined;
      return (cache ??= script.createCachedData());
    },
    evaluate(source, name) {
      if (disposed) throw new Error(`The sandbox context of ${label} was disposed`);
      return new vm.Script(source, { filename: name, importModuleDynamically: refuseImport }).runInContext(context);
    },
    dispose,
    get disposed() {
      return disposed;
    },
  };
}
