/**
 * The sandbox pool: runs published server code in worker threads, each component in its
 * own vm context. The main thread keeps every job's deadline; a job that overruns gets a
 * 504 and, when its worker no longer answers (a synchronous endless loop), that worker is
 * terminated and replaced — renders that were queued behind it run again on the new one.
 */
import { Worker } from 'node:worker_threads';
import os from 'node:os';
import { createError, type Mikr0Error } from '../errors.js';
import { executionError, timeoutError, type FailureInfo } from '../execution-error.js';
import type { Executor, ExecuteJob, ExecuteResult } from '../render.js';
import { createOutbox, type FromWorker, type ToWorker, type WorkerOptions } from './protocol.js';

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface SandboxOptions {
  /** Fetches a component's `server.cjs` source. */
  loadSource(name: string, version: string): Promise<string>;
  /** npm packages and Node built-ins server code may `require` (default none). */
  dependencies?: string[] | true;
  /** Where allow-listed packages are resolved from (default `process.cwd()`). */
  root?: string;
  /** Functions the registry provides to loaders and actions. */
  plugins?: Record<string, (...args: any[]) => unknown>;
  /** Milliseconds a loader or action may take (default 5000). */
  timeout?: number;
  /** Worker threads (default: cores - 1, at least 1, at most 4). */
  workers?: number;
  /** Compiled components kept per worker (default 200). */
  cacheSize?: number;
  /** Heap limit of each worker in MB (default 256). */
  memoryLimitMb?: number;
  logger?: Logger;
}

export interface SandboxStats {
  moduleCacheHits: number;
  moduleCacheMisses: number;
  workerRestarts: number;
}

export interface Sandbox extends Executor {
  stats(): SandboxStats;
  close(): Promise<void>;
}

interface Job {
  id: number;
  message: Extract<ToWorker, { t: 'run' }>;
  resolve: (result: ExecuteResult) => void;
  reject: (error: Mikr0Error) => void;
  timer: NodeJS.Timeout;
  retried: boolean;
}

interface Slot {
  worker: Worker;
  send: (message: ToWorker) => void;
  jobs: Map<number, Job>;
  pings: Map<number, () => void>;
  closing: boolean;
}

const PING_GRACE_MS = 300;

export function createSandbox(options: SandboxOptions): Sandbox {
  const timeout = options.timeout ?? 5000;
  const plugins = options.plugins ?? {};
  const logger = options.logger ?? console;
  const workerOptions: WorkerOptions = {
    dependencies: options.dependencies ?? [],
    root: options.root ?? process.cwd(),
    plugins: Object.keys(plugins),
    cacheSize: options.cacheSize ?? 200,
  };
  const size = Math.max(1, options.workers ?? Math.min(4, os.availableParallelism() - 1));
  const stats: SandboxStats = { moduleCacheHits: 0, moduleCacheMisses: 0, workerRestarts: 0 };
  const slots: Slot[] = [];
  let nextId = 0;
  let closed = false;

  function spawn(): Slot {
    const worker = new Worker(new URL('./worker.js', import.meta.url), {
      workerData: workerOptions,
      resourceLimits: { maxOldGenerationSizeMb: options.memoryLimitMb ?? 256 },
    });
    const slot: Slot = { worker, send: createOutbox((batch) => worker.postMessage(batch)), jobs: new Map(), pings: new Map(), closing: false };
    worker.on('message', (batch: FromWorker[]) => {
      for (const message of batch) onMessage(slot, message);
    });
    worker.on('error', (error) => logger.error(`mikr0 sandbox worker failed: ${error.stack ?? error}`));
    worker.on('exit', (code) => onExit(slot, code));
    return slot;
  }

  function post(slot: Slot, message: ToWorker) {
    slot.send(message);
  }

  function onMessage(slot: Slot, message: FromWorker) {
    switch (message.t) {
      case 'done': {
        const job = slot.jobs.get(message.id);
        if (!job) return;
        slot.jobs.delete(message.id);
        clearTimeout(job.timer);
        if (message.hit) stats.moduleCacheHits++;
        else stats.moduleCacheMisses++;
        if (message.error === undefined) job.resolve({ data: message.data, html: message.html });
        else job.reject(toError(job.message, message.error, message.load === true));
        return;
      }
      case 'source':
        options.loadSource(message.name, message.version).then(
          (code) => post(slot, { t: 'source', id: message.id, code }),
          (error) => post(slot, { t: 'source', id: message.id, error: String(error?.message ?? error) }),
        );
        return;
      case 'plugin':
        callPlugin(message.name, message.args).then(
          (value) => post(slot, { t: 'plugin', id: message.id, value }),
          (error) => post(slot, { t: 'plugin', id: message.id, error: String(error?.message ?? error) }),
        );
        return;
      case 'log':
        (message.level === 'error' ? logger.error : message.level === 'warn' ? logger.warn : logger.info)(message.text);
        return;
      case 'pong':
        slot.pings.get(message.id)?.();
        slot.pings.delete(message.id);
        return;
    }
  }

  async function callPlugin(name: string, argsJson: string): Promise<string | undefined> {
    const plugin = plugins[name];
    if (typeof plugin !== 'function') throw new Error(`This registry does not provide the plugin "${name}"`);
    const result = await plugin(...(JSON.parse(argsJson) as unknown[]));
    return result === undefined ? undefined : JSON.stringify(result);
  }

  /** A worker that does not answer a ping in time is stuck in synchronous code. */
  function checkResponsive(slot: Slot) {
    if (slot.closing || slot.pings.size) return;
    const id = nextId++;
    const stuck = setTimeout(() => {
      slot.pings.delete(id);
      replace(slot);
    }, PING_GRACE_MS);
    slot.pings.set(id, () => clearTimeout(stuck));
    post(slot, { t: 'ping', id });
  }

  function replace(slot: Slot) {
    if (slot.closing || closed) return;
    slot.closing = true;
    stats.workerRestarts++;
    logger.warn('mikr0 sandbox: a worker stopped answering (server code stuck in a loop?); restarting it');
    const index = slots.indexOf(slot);
    const fresh = spawn();
    slots[index] = fresh;
    for (const job of slot.jobs.values()) requeue(job, fresh);
    slot.jobs.clear();
    void slot.worker.terminate();
  }

  /** Jobs caught on a dead worker: a render is safe to run again once; an action is not. */
  function requeue(job: Job, target: Slot) {
    if (job.message.kind === 'loader' && !job.retried) {
      job.retried = true;
      target.jobs.set(job.id, job);
      post(target, job.message);
      return;
    }
    clearTimeout(job.timer);
    job.reject(
      createError({ status: 503, code: 'UNAVAILABLE', message: 'The sandbox restarted while this request was running; retry it' }),
    );
  }

  function onExit(slot: Slot, code: number) {
    if (slot.closing || closed) return;
    logger.error(`mikr0 sandbox: a worker exited (code ${code}, out of memory?); restarting it`);
    slot.closing = true;
    stats.workerRestarts++;
    const fresh = spawn();
    slots[slots.indexOf(slot)] = fresh;
    for (const job of slot.jobs.values()) {
      clearTimeout(job.timer);
      job.reject(
        createError({ status: 500, code: job.message.kind === 'loader' ? 'LOADER_ERROR' : 'ACTION_ERROR', message: `Server code of ${job.message.name}@${job.message.version} crashed its sandbox (memory limit exceeded?)` }),
      );
    }
  }

  function pick(): Slot {
    let best = slots[0];
    for (const slot of slots) if (slot.jobs.size < best.jobs.size) best = slot;
    return best;
  }

  function run(job: ExecuteJob): Promise<ExecuteResult> {
    if (closed) return Promise.reject(createError({ status: 503, code: 'UNAVAILABLE', message: 'The registry is shutting down' }));
    if (slots.length === 0) for (let i = 0; i < size; i++) slots.push(spawn());
    const id = nextId++;
    const message: Extract<ToWorker, { t: 'run' }> = {
      t: 'run',
      id,
      name: job.name,
      version: job.version,
      kind: job.kind,
      action: job.action,
      args: JSON.stringify({ parameters: job.parameters, headers: job.headers, input: job.input }),
    };
    return new Promise((resolve, reject) => {
      const slot = pick();
      const entry: Job = { id, message, resolve, reject, retried: false, timer: undefined as unknown as NodeJS.Timeout };
      entry.timer = setTimeout(() => {
        for (const s of slots) if (s.jobs.delete(id)) checkResponsive(s);
        reject(timeoutError(job, timeout));
      }, timeout);
      slot.jobs.set(id, entry);
      post(slot, message);
    });
  }

  function toError(message: Extract<ToWorker, { t: 'run' }>, info: string, load: boolean): Mikr0Error {
    return executionError(message, JSON.parse(info) as FailureInfo, load, (text) => logger.error(text));
  }

  return {
    run,
    stats: () => ({ ...stats }),
    async close() {
      closed = true;
      const all = slots.splice(0);
      for (const slot of all) {
        slot.closing = true;
        for (const job of slot.jobs.values()) {
          clearTimeout(job.timer);
          job.reject(createError({ status: 503, code: 'UNAVAILABLE', message: 'The registry is shutting down' }));
        }
      }
      await Promise.all(all.map((slot) => slot.worker.terminate()));
    },
  };
}
