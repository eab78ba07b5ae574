/** Messages between the main thread (sandbox pool) and a sandbox worker. */

export interface WorkerOptions {
  /** Allow-listed packages and Node built-ins, or `true` for any (trusted code only). */
  dependencies: string[] | true;
  /** Folder whose node_modules allow-listed packages are resolved from. */
  root: string;
  /** Names of the plugins the registry provides. */
  plugins: string[];
  /** How many compiled components a worker keeps. */
  cacheSize: number;
}

export type ToWorker =
  | { t: 'run'; id: number; name: string; version: string; kind: 'loader' | 'action'; action?: string; args: string }
  | { t: 'source'; id: number; code?: string; error?: string }
  | { t: 'plugin'; id: number; value?: string; error?: string }
  | { t: 'ping'; id: number };

export type FromWorker =
  | { t: 'done'; id: number; hit: boolean; data: string; html?: string; error?: undefined }
  | { t: 'done'; id: number; hit: boolean; error: string; load?: boolean }
  | { t: 'source'; id: number; name: string; version: string }
  | { t: 'plugin'; id: number; name: string; args: string }
  | { t: 'log'; level: string; text: string }
  | { t: 'pong'; id: number };

/**
 * Messages are sent in batches, one postMessage per turn of the event loop: under load that
 * turns many structured-clone round trips into a few (postMessage dominated the profile).
 */
export function createOutbox<T>(send: (batch: T[]) => void): (message: T) => void {
  let queue: T[] = [];
  const flush = () => {
    const batch = queue;
    queue = [];
    send(batch);
  };
  return (message) => {
    if (queue.push(message) === 1) setImmediate(flush);
  };
}
