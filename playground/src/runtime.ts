/**
 * The registry's own browser runtime (`/r/client.js`), loaded at run time and never
 * bundled: the playground renders exactly as a consumer's page would.
 */
import type { ErrorDetail } from './api.js';

export interface GetActionOptions {
  registry: string;
  name: string;
  version: string;
  action: string;
  input: unknown;
}

export interface Mikr0Runtime {
  getAction(options: GetActionOptions): Promise<unknown>;
}

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

declare global {
  interface Window {
    mikr0?: Mikr0Runtime;
  }
}

export async function loadRuntime(root: string): Promise<Mikr0Runtime> {
  const url = `${root}/r/client.js`;
  try {
    await import(/* @vite-ignore */ url);
    await customElements.whenDefined('mikro-component');
  } catch (error) {
    throw new Error(`Could not load the browser runtime from ${url}: ${(error as Error).message}`);
  }
  if (!window.mikr0) throw new Error(`${url} loaded but did not define window.mikr0`);
  return window.mikr0;
}
