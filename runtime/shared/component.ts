/**
 * `createComponent` and the types that make a component definition infer end to end:
 * the `parameters` schema types the loader's `parameters`, the loader's result types
 * `mount`'s data, `plugins` stand-ins type the loader's `plugins`, and `actions` are kept
 * as written so `serverClient` can be typed from them.
 */
import type { HostElement } from './platform.js';

export type ParameterType = 'string' | 'number' | 'boolean';

type TypeOf<T extends ParameterType> = T extends 'string' ? string : T extends 'number' ? number : boolean;

interface ParameterOf<T extends ParameterType> {
  type: T;
  /** The request fails with 400 when a mandatory parameter is missing (and has no default). */
  mandatory?: boolean;
  default?: TypeOf<T>;
  example?: TypeOf<T>;
  description?: string;
  /** The only values accepted. */
  enum?: readonly TypeOf<T>[];
}

/** One parameter; a union over the types, so `default`, `example` and `enum` must match `type`. */
export type ParameterDefinition<T extends ParameterType = ParameterType> = T extends ParameterType ? ParameterOf<T> : never;

export type ParametersSchema = Record<string, ParameterDefinition>;

type ValueOf<D> = D extends { enum: readonly (infer E)[] }
  ? E
  : D extends { type: infer T extends ParameterType }
    ? TypeOf<T>
    : never;

type RequiredKeys<S> = {
  [K in keyof S]: S[K] extends { mandatory: true } ? K : S[K] extends { default: {} } ? K : never;
}[keyof S];

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The loader's `parameters`: mandatory and defaulted ones are always present. */
export type InferParameters<S> = Simplify<
  { [K in RequiredKeys<S>]: ValueOf<S[K]> } & { [K in Exclude<keyof S, RequiredKeys<S>>]?: ValueOf<S[K]> }
>;

export type PluginFunctions = Record<string, (...args: any[]) => unknown>;

/**
 * Plugins as the loader sees them. In the registry they run outside the sandbox and are
 * reached by message, so every call returns a promise: always `await` them.
 */
export type AsyncPlugins<P> = {
  [K in keyof P]: P[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
};

export type RequestHeaders = Record<string, string | undefined>;

export interface LoaderContext<Params, P> {
  parameters: Params;
  headers: RequestHeaders;
  plugins: AsyncPlugins<P>;
}

export interface ActionContext<P> {
  headers: RequestHeaders;
  plugins: AsyncPlugins<P>;
}

export type ActionFunction<P = any> = (input: any, context: ActionContext<P>) => unknown;

export interface MountMeta {
  /** The registry the component was loaded from, e.g. `https://registry.example.com/r`. */
  baseUrl: string;
  name: string;
  version: string;
}

export interface ComponentDefinition<
  S extends ParametersSchema = ParametersSchema,
  Data = unknown,
  P extends PluginFunctions = PluginFunctions,
  A extends Record<string, ActionFunction<P>> = Record<string, ActionFunction<P>>,
> {
  parameters?: S;
  /** Stand-ins for the registry's plugins, used by the dev server only. */
  plugins?: P;
  loader?: (context: LoaderContext<InferParameters<S>, P>) => Data | Promise<Data>;
  actions?: A;
  /**
   * Server HTML for the first paint, made from the loader's data on the registry (in its
   * sandbox, with the framework's own server renderer: `renderToString` and the like). The
   * browser shows it before any script runs, then calls `hydrate` on it (or, without
   * `hydrate`, `mount`, which replaces it). Server half only: it never reaches the browser.
   */
  render?: (data: Awaited<Data>) => string | Promise<string>;
  /** Renders into `element` in the browser (emptied first, or holding what `mount` left). */
  mount?: (element: HostElement, data: Awaited<Data>, meta: MountMeta) => void | Promise<void>;
  /**
   * Takes over the HTML `render` made, which `element` holds exactly, reusing its DOM nodes
   * (`hydrateRoot`, `createSSRApp(...).mount`, Svelte's `hydrate`...). Called instead of
   * `mount` when the element holds server HTML; `mount` still renders every other time (an
   * HMR swap, a client-side render without `render`).
   */
  hydrate?: (element: HostElement, data: Awaited<Data>, meta: MountMeta) => void | Promise<void>;
  unmount?: (element: HostElement) => void | Promise<void>;
}

/** Identity at run time; its work is all in the types. */
export function createComponent<
  const S extends ParametersSchema = {},
  Data = undefined,
  P extends PluginFunctions = {},
  A extends Record<string, ActionFunction<P>> = {},
>(definition: ComponentDefinition<S, Data, P, A>): ComponentDefinition<S, Data, P, A> {
  return definition;
}

/** The loader data type of a component definition: `ComponentData<typeof component>`. */
export type ComponentData<C> = C extends ComponentDefinition<any, infer D, any, any> ? Awaited<D> : never;

/** The actions of a component definition as a client calls them. */
export type ComponentActions<C> =
  C extends ComponentDefinition<any, any, any, infer A>
    ? { [K in keyof A]: (input?: Parameters<A[K]>[0]) => Promise<Awaited<ReturnType<A[K]>>> }
    : never;
