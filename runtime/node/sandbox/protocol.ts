/** Messages between the registry (the sandbox pool) and a sandbox process. */
import type { ResolvedFetchPolicy } from './fetch-policy.js';

export interface ProcessOptions {
  /** Allow-listed packages and Node built-ins, or `true` for any (trusted code only). */
  dependencies: string[] | true;
  /** Folder whose node_modules allow-listed packages are resolved from. */
  root: string;
  /** Names of the plugins the registry provides. */
  plugins: string[];
  /** How many compiled components a process keeps. */
  cacheSize: number;
  /** Milliseconds one run of server code may take before it is stopped. */
  timeout: number;
  /** Memory budget of the process in MB: JS heap plus ArrayBuffers and other off-heap memory. */
  memoryLimitMb: number;
  /** Largest loader/action result, as JSON bytes. */
  maxResultBytes: number;
  fetch: ResolvedFetchPolicy;
  /** Test-only: component code gets the real `process` as `__mikr0TestProcess`. */
  exposeProcess: boolean;
}

/**
 * A sandbox process writes the version it is about to run to this pipe (one line), with a
 * synchronous write before each run: when a run then holds the process, the pool still knows
 * whose code it is.
 */
export const RUNNING_FD = 4;

export type Kind = 'loader' | 'action';

export type ToProcess =
  | { t: 'run'; id: number; name: string; version: string; kind: Kind; action?: string; args: string }
  | { t: 'source'; key: string; code?: string; cache?: string; error?: string }
  | { t: 'plugin'; id: number; value?: string; error?: string }
  | { t: 'cancel'; id: number }
  /** Answered with a beat: a process that cannot answer is stuck. */
  | { t: 'ping' };

/** Why a job failed in the process itself (not in component code). */
export type Fault = 'timeout' | 'memory' | 'broken';

export type FromProcess =
  | { t: 'done'; id: number; hit: boolean; data: string; html?: string; error?: undefined }
  | { t: 'done'; id: number; hit: boolean; error: string; load?: boolean; fault?: Fault }
  | { t: 'source'; key: string; name: string; version: string }
  | { t: 'cache'; key: string; data: string }
  | { t: 'plugin'; id: number; name: string; args: string }
  | { t: 'log'; level: string; text: string }
  | { t: 'beat' };

/**
 * Messages are sent in batches, one send per turn of the event loop: under load that turns
 * many IPC round trips into a few.
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
