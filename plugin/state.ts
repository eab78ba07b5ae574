/** What the sub-plugins of one mikr0() call share. */
import vm from 'node:vm';
import type { ParametersSchema } from '../runtime/shared/component.js';
import type { ResolvedOptions } from './options.js';

export interface PluginState {
  options: ResolvedOptions | null;
  /** From the server split: the component's schema and the plugins it uses. */
  parameters: ParametersSchema | undefined;
  plugins: string[];
  actions: string[];
  /** From the client build: stylesheets the entry chunk needs. */
  css: string[];
  /** From the server build: shared dependencies server.cjs requires. */
  dependencies: string[];
}

export function createState(): PluginState {
  return { options: null, parameters: undefined, plugins: [], actions: [], css: [], dependencies: [] };
}

/**
 * The `parameters` literal as data. Evaluated in an empty context: a schema that refers to
 * anything (a constant, an import) cannot be read without running the module, so it is refused.
 */
export function evaluateParameters(source: string | null, id: string): ParametersSchema | undefined {
  if (source === null) return undefined;
  try {
    const value = vm.runInNewContext(`(${source})`, Object.create(null), { timeout: 100 });
    return JSON.parse(JSON.stringify(value));
  } catch (error: any) {
    throw new Error(
      `${id}: mikr0 reads \`parameters\` without running your code, so it must be a plain object literal ` +
        `(no variables, imports or function calls): ${error?.message ?? error}`,
    );
  }
}
