/**
 * Registry metadata: a backend (types.ts; sqlite.ts, memory.ts) under one backend-neutral
 * layer that owns version resolution, its caches and token rules (components.ts, tokens.ts).
 */
import { createComponents } from './components.js';
import { createTokens } from './tokens.js';
import type { MetadataBackend } from './types.js';

export type * from './types.js';
export { SCOPES } from './tokens.js';

export function createMetadata(backend: MetadataBackend) {
  const components = createComponents(backend);
  const tokens = createTokens(backend);
  return {
    backend,
    components,
    tokens,
    /** Stops watching and closes the backend. */
    async close() {
      components.close();
      await backend.close();
    },
  };
}

export type Metadata = ReturnType<typeof createMetadata>;
export type { Components } from './components.js';
export type { Tokens } from './tokens.js';
