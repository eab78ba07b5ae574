/** The render core shared by registry-lite and the dev emulator (Node only; no HTTP, storage or Vite). */
export * from '../shared/component.js';
export * from '../shared/errors.js';
export { parseParameters, parametersFromQuery, decodeCompressedParameters, type RawParameters } from './parameters.js';
export { createRenderCore, loaderHeaders, type Executor, type ExecuteJob, type ExecuteResult, type RenderCore, type RenderTarget } from './render.js';
export { createSandbox, type Logger, type Sandbox, type SandboxOptions, type SandboxStats } from './sandbox/index.js';
export { packageName } from './sandbox/require.js';
