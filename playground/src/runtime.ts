/**
 * The registry's own browser runtime (`/r/client.js`), loaded at run time and never
 * bundled: the playground renders exactly as a consumer's page would.
 */
// Types only (erased): they also bring the runtime's `window.mikr0` declaration.
import type { Mikr0Global } from '../../runtime/client/index.js';
import type { ErrorDetail } from './api.js';

export type Mikr0Runtime = Pick<Mikr0Global, 'getAction'>;

export interface LoadedDetail {
  name: string;
  version: string;
  data: unknown;
  status: number;
  url: string;
  duration: number;
}

export interface RenderErrorDetail {
  status: number;
  code: string;
  message: string;
  details?: ErrorDetail[];
  url: string;
}

/** What `getAction` rejects with. */
export interface ActionError extends Error {
  code?: string;
  status?: number;
  details?: ErrorDetail[];
}

export async function loadRuntime(root: string): Promise<Mikr0Runtime> {
  const url = `${root}/r/client.js`;
  try {
    await import(/* @vite-ignore */ url);
    await customElements.whenDefined('mikro-component');
  } catch (error) {
    throw new Error(`Could not load the browser runtime from ${url}: ${(error as Error).message}`);
  }
  if (!window.mikr0?.getAction) throw new Error(`${url} loaded but did not define window.mikr0`);
  return window.mikr0;
}
