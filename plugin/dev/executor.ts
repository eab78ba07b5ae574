/**
 * The dev server's executor: runs the component's server half, loaded through Vite's module
 * runner (so edits are picked up on the next request), with the same contract as the
 * registry's sandbox — plugins are async, a missing plugin is PLUGIN_MISSING, results are
 * JSON, failures and timeouts map to the same errors.
 */
import type { ComponentDefinition } from '../../runtime/core/component.js';
import { executionError, failureInfo, timeoutError } from '../../runtime/core/execution-error.js';
import type { Executor, ExecuteJob, ExecuteResult } from '../../runtime/core/render.js';
import { strictStringify } from '../../runtime/core/sandbox/serialize.js';

export interface DevExecutorOptions {
  /** The component's definition as the module runner has it now. */
  load(): Promise<ComponentDefinition>;
  /** Stand-ins from the mikr0() options, over those of createComponent({ plugins }). */
  plugins: Record<string, (...args: any[]) => unknown>;
  timeout: number;
  log(message: string): void;
}

export interface DevExecutor extends Executor {
  /** Runs `job`; with `definition`, against that one instead of loading it again. */
  run(job: ExecuteJob, definition?: ComponentDefinition): Promise<ExecuteResult>;
}

export function createDevExecutor(options: DevExecutorOptions): DevExecutor {
  return {
    async run(job, preloaded) {
      let definition: ComponentDefinition;
      try {
        definition = preloaded ?? (await options.load());
      } catch (error) {
        throw executionError(job, failureInfo(error), true, options.log);
      }
      const plugins = pluginsProxy({ ...definition.plugins, ...options.plugins });
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(timeoutError(job, options.timeout)), options.timeout);
      });
      try {
        return await Promise.race([execute(definition, job, plugins), deadline]);
      } catch (error: any) {
        if (error?.code === 'TIMEOUT' && error?.status === 504) throw error;
        throw executionError(job, failureInfo(error), false, options.log);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

async function execute(definition: ComponentDefinition, job: ExecuteJob, plugins: unknown): Promise<ExecuteResult> {
  let result: unknown;
  if (job.kind === 'loader') {
    result = definition.loader ? await definition.loader({ parameters: job.parameters as any, headers: job.headers, plugins: plugins as any }) : null;
  } else {
    const actions = definition.actions ?? {};
    const action = Object.hasOwn(actions, job.action!) ? actions[job.action!] : undefined;
    if (typeof action !== 'function') throw Object.assign(new Error(`Unknown action "${job.action}"`), { code: 'UNKNOWN_ACTION' });
    result = await action(job.input, { headers: job.headers, plugins: plugins as any });
  }
  // The sandbox's serialiser, so a result the registry would refuse fails here too, with the same message.
  const data = strictStringify(result);
  const html = job.kind === 'loader' && definition.render ? String(await definition.render(JSON.parse(data))) : undefined;
  return { data, html };
}

/** Plugins as the sandbox gives them: every call async, an unknown one a clear error. */
function pluginsProxy(available: Record<string, (...args: any[]) => unknown>) {
  return new Proxy(
    {},
    {
      get(_, key) {
        if (typeof key !== 'string' || key === 'then') return undefined;
        const plugin = available[key];
        if (typeof plugin !== 'function') {
          throw Object.assign(
            new Error(`This registry does not provide the plugin "${key}". Add a stand-in to createComponent({ plugins }) or mikr0({ plugins }).`),
            { code: 'PLUGIN_MISSING' },
          );
        }
        return async (...args: unknown[]) => {
          const value = await plugin(...args);
          return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
        };
      },
    },
  );
}
