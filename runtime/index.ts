/**
 * `vite-plugin-mikr0/runtime`: what component authors import. Bundled into both halves of
 * a component, so it stays free of Node and DOM code.
 */
export { createComponent } from './core/component.js';
export type {
  ActionContext,
  ActionFunction,
  AsyncPlugins,
  ComponentActions,
  ComponentData,
  ComponentDefinition,
  InferParameters,
  LoaderContext,
  MountMeta,
  ParameterDefinition,
  ParametersSchema,
  ParameterType,
  PluginFunctions,
  RequestHeaders,
} from './core/component.js';
export { createError, isMikr0Error } from './core/errors.js';
export { createServerClient, registryBaseOf, serverClient } from './core/server-client.js';
export type { Register, ServerClient } from './core/server-client.js';
export type { ComponentTarget } from './core/registry-client.js';
export type { ErrorCode, ErrorDetail, ErrorEnvelope, Mikr0Error } from './core/errors.js';
