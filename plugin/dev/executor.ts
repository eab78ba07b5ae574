/**
 * The dev server's executor: the component's server half, loaded through Vite's module runner
 * (so edits are picked up), runs in a vm context built by the registry's own code
 * (runtime/node/sandbox/context.ts): the same bootstrap and globals (`Buffer` undefined,
 * `process` = `{ env: { NODE_ENV }, nextTick }`, the context's own URL,
 * TextEncoder, structuredClone, AbortController, MessageChannel, timers, console, fetch;
 * `eval` and `new Function` refused), and the same job path — loader, actions, `render`,
 * plugins called with JSON, strict JSON results and their size limit, the same timeout
 * (runtime/node/sandbox/defaults.ts), fetch policy and errors.
 *
 * How: the module runner hands each module Vite transformed (the component's own files)
 * to `evaluator`, which compiles it in the context instead of the host (what Vite's
 * ESModulesEvaluator does with `new AsyncFunction`, done with the context's `evaluate`).
 * The context's CommonJS module — server.cjs in the registry — is a one-line stub that
 * `require`s the definition the runner loaded; the bootstrap then runs jobs on it in entries,
 * exactly as in a sandbox process. Each load of the code (start, an edit, a failure) gets
 * a fresh context, as a new version would; an old one is disposed once its jobs are done.
 *
 * What still differs from the registry (see also the README):
 * - Modules the runner externalizes — packages from node_modules and Node built-ins — are
 *   imported by the host (runExternalModule): their code sees the host's globals (Buffer,
 *   the full process, Node's URL…). The registry bundles packages into server.cjs, so there
 *   they see the context's globals; those in mikr0({ dependencies }) are `require`d from the
 *   registry's host in both. A built-in works in dev but is refused at publish unless the
 *   registry allow-lists it. The values such modules return are host objects.
 * - The context shares the host's microtask queue (the runner and the context await each
 *   other's promises), so the entry timeout stops only synchronous code (an endless loop);
 *   promise chains are ended by the job's timeout but not interrupted. The registry's
 *   contexts drain their own queue inside each timed entry.
 * - Module top-level code runs when the runner imports it (outside any entry or job);
 *   in the registry it runs inside the first job's entry.
 * - Your modules are ES modules here: no `require`, `module`, `exports`, `__filename` or
 *   `__dirname` in scope (server.cjs has its CommonJS wrapper's, `require` being the
 *   registry's allow-list guard).
 * - `import.meta` and the runner's import functions are the host's (Vite's); a dynamic
 *   import() goes through the runner (server.cjs has the chunks inlined, native import()
 *   is refused).
 * - No memory budget, process isolation, code cache or breaker: nothing to protect from
 *   your own code in dev.
 * - A missing plugin names the dev fix (a stand-in) instead of the registry's option.
 */
import type { ModuleEvaluator, ModuleRunner } from 'vite/module-runner';
import {
  ssrDynamicImportKey,
  ssrExportAllKey,
  ssrExportNameKey,
  ssrImportKey,
  ssrImportMetaKey,
  ssrModuleExportsKey,
} from 'vite/module-runner';
import type { ComponentDefinition } from '../../runtime/shared/component.js';
import { executionError, failureInfo, timeoutError, type FailureInfo } from '../../runtime/node/execution-error.js';
import type { Executor, ExecuteJob, ExecuteResult } from '../../runtime/node/render.js';
import { createComponentContext, type ComponentContext } from '../../runtime/node/sandbox/context.js';
import { createPolicyFetch, resolveFetchPolicy, type FetchPolicyOptions } from '../../runtime/node/sandbox/fetch-policy.js';

type PluginFunction = (...args: any[]) => unknown;

export interface DevExecutorOptions {
  name: string;
  version: string;
  /** The component entry, as the module runner imports it. */
  entry: string;
  /** A module runner for the component's server code that evaluates with `evaluator`. */
  createRunner(evaluator: ModuleEvaluator): ModuleRunner;
  /** Stand-ins from the mikr0() options, over those of createComponent({ plugins }). */
  plugins: Record<string, PluginFunction>;
  /** Milliseconds a loader or action may take. */
  timeout: number;
  /** Where `fetch` in server code may go, as the registry's `fetch` option. */
  fetch: FetchPolicyOptions | false | undefined;
  maxResultBytes: number;
  logger: { info(message: string): void; warn(message: string): void; error(message: string): void };
  /** The server code failed to load (shown in the page). */
  onLoadError?(error: unknown): void;
}

/** One load of the server code: its definition and the context that runs it. */
export interface DevComponent {
  definition: ComponentDefinition;
  run(job: ExecuteJob): Promise<ExecuteResult>;
}

export interface DevExecutor extends Executor {
  /** The server code as it is now, loaded into its context (or the load failure). */
  load(): Promise<DevComponent>;
  /** The code changed: the next load starts over, fresh modules in a fresh context. */
  reset(): void;
  close(): Promise<void>;
}

interface Pending {
  job: ExecuteJob;
  resolve(result: ExecuteResult): void;
  reject(error: unknown): void;
  timer: NodeJS.Timeout;
}

interface Generation {
  context: ComponentContext;
  loading?: Promise<ComponentDefinition>;
  definition?: ComponentDefinition;
  /** Stand-ins the loader's `plugins` offers, once the definition is known. */
  plugins: Record<string, PluginFunction>;
  pending: Map<number, Pending>;
  retired: boolean;
}

/** What the stub server.cjs requires: the definition the runner loaded. */
const DEFINITION = 'mikr0:dev-definition';
const STUB = `module.exports = require(${JSON.stringify(DEFINITION)});`;
/** The names Vite's transformed code uses, in the order ESModulesEvaluator passes them. */
const PARAMETERS = [ssrModuleExportsKey, ssrImportMetaKey, ssrImportKey, ssrDynamicImportKey, ssrExportAllKey, ssrExportNameKey] as const;
const WRAPPER = `(async function (${PARAMETERS.join(', ')}) {"use strict";\n`;

export function createDevExecutor(options: DevExecutorOptions): DevExecutor {
  const { timeout, logger } = options;
  const label = `${options.name}@${options.version}`;
  const policyFetch = createPolicyFetch(resolveFetchPolicy(options.fetch));
  const logError = (message: string) => logger.error(message);
  let current: Generation | undefined;
  let nextJob = 0;
  let closed = false;

  const evaluator: ModuleEvaluator = {
    // The module's code starts on the wrapper's second line: Vite shifts its source map by one.
    startOffset: 1,
    async runInlinedModule(context, code, module) {
      const generation = (current ??= open());
      const fn = generation.context.evaluate(`${WRAPPER}${code}\n})`, module.file ?? module.id) as (...args: unknown[]) => Promise<void>;
      await fn(...PARAMETERS.map((key) => context[key]));
      Object.seal(context[ssrModuleExportsKey]);
    },
    // Not transformed by Vite (node_modules packages, Node built-ins): a plain import, in the
    // host realm with the host's globals. See "What still differs" above.
    runExternalModule: (file) => import(file),
  };
  const runner = options.createRunner(evaluator);

  function open(): Generation {
    const generation: Generation = { plugins: {}, pending: new Map(), retired: false } as unknown as Generation;
    generation.context = createComponentContext({
      label,
      code: STUB,
      timeout,
      maxResultBytes: options.maxResultBytes,
      microtasks: 'host',
      get pluginNames() {
        return Object.keys(generation.plugins);
      },
      require: (specifier) =>
        specifier === DEFINITION ? generation.definition : `require("${specifier}") is not available in dev: import it (Vite loads it)`,
      fetch: (request) => policyFetch(JSON.parse(request)).then((response) => JSON.stringify(response)),
      async plugin(name, argsJson) {
        const plugin = Object.hasOwn(generation.plugins, name) ? generation.plugins[name] : undefined;
        if (typeof plugin !== 'function') throw new Error(`This registry does not provide the plugin "${name}"`);
        const result = await plugin(...(JSON.parse(argsJson) as unknown[]));
        return result === undefined ? '' : JSON.stringify(result);
      },
      log: (level, text) => (level === 'error' ? logger.error : level === 'warn' ? logger.warn : logger.info)(text),
      done: (id, info, data, html, load) => settle(generation, id, info, data, html, load),
      entered() {},
      broken(reason, _job, error) {
        // As a sandbox process reports a stopped context (process.ts), every job of it fails.
        const jobs = [...generation.pending.values()];
        generation.pending.clear();
        retire(generation);
        for (const { job, reject, timer } of jobs) {
          clearTimeout(timer);
          if (reason === 'timeout') reject(timeoutError(job, timeout));
          else reject(executionError(job, { message: `server code of ${label} stopped: ${error?.message ?? error}` }, false, logError));
        }
      },
    });
    return generation;
  }

  /** Done with `generation`: new loads start over; its context goes once its jobs are done. */
  function retire(generation: Generation) {
    if (current === generation) {
      current = undefined;
      runner.clearCache();
    }
    generation.retired = true;
    if (generation.pending.size === 0) generation.context.dispose();
  }

  function settle(generation: Generation, id: number, info: string, data: string | undefined, html: string | undefined, load: boolean) {
    generation.context.end(id);
    const pending = generation.pending.get(id);
    if (!pending) return;
    generation.pending.delete(id);
    clearTimeout(pending.timer);
    if (info === '') pending.resolve({ data: data!, html });
    else pending.reject(executionError(pending.job, devHint(JSON.parse(info) as FailureInfo), load, logError));
    // The definition was not usable (as process.ts drops such a context): load again next time.
    if (load) retire(generation);
    else if (generation.retired && generation.pending.size === 0) generation.context.dispose();
  }

  function execute(generation: Generation, job: ExecuteJob): Promise<ExecuteResult> {
    // Code changed since this load and the context is gone: the current code runs it.
    if (generation.context.disposed) return run(job);
    const id = nextJob++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        if (!generation.pending.delete(id)) return;
        generation.context.end(id);
        reject(timeoutError(job, timeout));
        if (generation.retired && generation.pending.size === 0) generation.context.dispose();
      }, timeout);
      generation.pending.set(id, { job, resolve, reject, timer });
      // The message a sandbox process gets (runtime/node/sandbox/index.ts).
      generation.context.run(id, job.kind, job.action ?? '', JSON.stringify({ parameters: job.parameters, headers: job.headers, input: job.input }));
    });
  }

  async function loadGeneration(): Promise<Generation> {
    if (closed) throw new Error('The dev server is closing');
    const generation = (current ??= open());
    generation.loading ??= runner.import(options.entry).then((module) => {
      const definition = (module.default ?? module) as ComponentDefinition;
      generation.definition = definition;
      generation.plugins = { ...(definition?.plugins as Record<string, PluginFunction> | undefined), ...options.plugins };
      return definition;
    });
    try {
      await generation.loading;
      return generation;
    } catch (error) {
      if (!generation.retired) retire(generation);
      options.onLoadError?.(error);
      throw error;
    }
  }

  async function run(job: ExecuteJob): Promise<ExecuteResult> {
    let generation: Generation;
    try {
      generation = await loadGeneration();
    } catch (error) {
      throw executionError(job, failureInfo(error), true, logError);
    }
    return execute(generation, job);
  }

  return {
    run,
    async load() {
      const generation = await loadGeneration();
      return { definition: generation.definition!, run: (job) => execute(generation, job) };
    },
    reset() {
      if (current) retire(current);
      else runner.clearCache();
    },
    async close() {
      closed = true;
      if (current) retire(current);
      await runner.close();
    },
  };
}

/** In dev, a missing plugin is fixed with a stand-in, not with the registry's option. */
function devHint(info: FailureInfo): FailureInfo {
  const missing = info.code === 'PLUGIN_MISSING' ? /^This registry does not provide the plugin "([^"]*)"/.exec(info.message) : null;
  if (!missing) return info;
  return { ...info, message: `${missing[0]}. Add a stand-in to createComponent({ plugins }) or mikr0({ plugins }).` };
}
