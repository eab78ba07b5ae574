/**
 * `vite-plugin-mikr0/runtime`: what component authors import. Bundled into both halves of
 * a component, so it stays free of Node and DOM code.
 */
export { createComponent } from './shared/component.js';
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
} from './shared/component.js';
export { createError, isMikr0Error } from './shared/errors.js';
export { createServerClient, registryBaseOf, serverClient } from './shared/server-client.js';
export type { Register, ServerClient } from './shared/server-client.js';
export type { ComponentTarget } from './shared/registry-client.js';
export type { ErrorCode, ErrorDetail, ErrorEnvelope, Mikr0Error } from './shared/errors.js';
