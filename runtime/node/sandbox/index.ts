/**
 * The sandbox pool: runs published server code in sandbox processes (process.ts), each
 * component version in its own vm context there. The pool keeps every job's deadline and
 * keeps components apart:
 *
 * - each version has a home process, so a component that holds its process (a long
 *   synchronous render) holds up only itself: renders of others move elsewhere, even those
 *   already waiting there (placement.ts, interrupts.ts);
 * - a process that dies (out of memory, a crash) or stops answering takes only its culprit
 *   with it: when jobs of several versions were in flight, or of one whose code was not the
 *   one running, each version's renders run again in a fresh process of their own, and the
 *   one that kills that process too is to blame (crashes.ts); a process still held by code
 *   whose job was answered at its deadline takes no new job until it answers (placement.ts);
 * - a version that keeps timing out or crashing is cut off for a cool-down (breaker.ts);
 * - a process over its memory budget (resident memory, checked by the pool too) is replaced
 *   (pool.ts).
 *
 * This file is the public face: the options, the types, and the wiring of those parts.
 */
import os from 'node:os';
import type { Executor } from '../render.js';
import { createBreaker, type BreakerOptions } from './breaker.js';
import { createCodeCache } from './code-cache.js';
import { createCrashes } from './crashes.js';
import { DEFAULT_TIMEOUT_MS } from './defaults.js';
import { resolveFetchPolicy, type FetchPolicyOptions } from './fetch-policy.js';
import { createInterrupts } from './interrupts.js';
import { createJobs } from './jobs.js';
import { createMessageHandler } from './messages.js';
import { createPlacement } from './placement.js';
import { createPool } from './pool.js';
import type { ProcessOptions } from './protocol.js';
import { createPoolStats } from './stats.js';

/**
 * Where the registry and the sandbox report. `fields` give a structured logger (registry-lite's
 * `logFormat: 'json'`) what the message text also says, e.g. the request's id; a logger that
 * prints text may ignore them.
 */
export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export interface LogFields {
  /** The `x-request-id` of the request the line is about. */
  requestId?: string;
  [key: string]: unknown;
}

export interface SandboxOptions {
  /** Fetches a component's `server.cjs` source. */
  loadSource(name: string, version: string): Promise<string>;
  /**
   * V8's code cache of a version's server code, kept where the registry keeps things, so the
   * first render after a restart skips most of the compile. Optional; a cache V8 does not
   * accept (another Node version) is ignored and replaced.
   */
  codeCache?: {
    load(name: string, version: string): Promise<Uint8Array | null>;
    save(name: string, version: string, data: Uint8Array): Promise<void>;
  };
  /** npm packages and Node built-ins server code may `require` (default none). */
  dependencies?: string[] | true;
  /** Where allow-listed packages are resolved from (default `process.cwd()`). */
  root?: string;
  /** Functions the registry provides to loaders and actions. */
  plugins?: Record<string, (...args: any[]) => unknown>;
  /** Milliseconds a loader or action may take (default 5000). */
  timeout?: number;
  /** Sandbox processes (default: the number of cores, at least 2, at most 4). */
  processes?: number;
  /** @deprecated the old name of `processes`. */
  workers?: number;
  /** Compiled components kept per process (default 200). */
  cacheSize?: number;
  /** Memory budget of each sandbox process in MB: JS heap plus ArrayBuffers (default 256). */
  memoryLimitMb?: number;
  /** Largest loader/action result in bytes of JSON (default 10 MB). */
  maxResultBytes?: number;
  /** Where `fetch` in server code may go (default: public hosts only); `false` turns it off. */
  fetch?: FetchPolicyOptions | false;
  /** When a version that keeps failing is cut off. */
  breaker?: BreakerOptions;
  logger?: Logger;
  /** Test-only: hands component code the real `process`, to prove the process boundary holds. */
  dangerouslyExposeProcessForTests?: boolean;
}

export interface ComponentCounters {
  timeouts: number;
  crashes: number;
  memoryKills: number;
  cutoffs: number;
}

export interface SandboxStats {
  moduleCacheHits: number;
  moduleCacheMisses: number;
  processRestarts: number;
  /** Per `name@version`, only for versions that failed at least once. */
  components: Record<string, ComponentCounters>;
}

export interface Sandbox extends Executor {
  /** Starts the sandbox processes now (they otherwise start with the first job); resolves once they answer. */
  warm(): Promise<void>;
  stats(): SandboxStats;
  close(): Promise<void>;
}

export function createSandbox(options: SandboxOptions): Sandbox {
  const timeout = options.timeout ?? DEFAULT_TIMEOUT_MS;
  const plugins = options.plugins ?? {};
  const logger = options.logger ?? console;
  const memoryLimitMb = options.memoryLimitMb ?? 256;
  const processOptions: ProcessOptions = {
    dependencies: options.dependencies ?? [],
    root: options.root ?? process.cwd(),
    plugins: Object.keys(plugins),
    cacheSize: options.cacheSize ?? 200,
    timeout,
    memoryLimitMb,
    maxResultBytes: options.maxResultBytes ?? 10 * 1024 * 1024,
    fetch: resolveFetchPolicy(options.fetch),
    exposeProcess: options.dangerouslyExposeProcessForTests === true,
  };
  const size = Math.max(2, options.processes ?? options.workers ?? Math.min(4, os.availableParallelism()));
  const breaker = createBreaker(options.breaker);
  const stats = createPoolStats(breaker, logger);
  const codeCache = createCodeCache(options.codeCache, logger);

  // The hooks are called only once a process runs, by which time all of the below exist.
  const pool = createPool({
    processOptions,
    size,
    logger,
    hooks: {
      message: (slot, message) => onMessage(slot, message),
      watch: (slot) => checkBlocked(slot),
      exit: (slot, inFlight, code, signal) => onCrash(slot, inFlight, code, signal),
    },
  });
  const placement = createPlacement(pool.slots);
  const jobs = createJobs({ pool, placement, stats, breaker, codeCache, loadSource: options.loadSource, timeout, cacheSize: processOptions.cacheSize });
  const onMessage = createMessageHandler({ jobs, stats, breaker, codeCache, plugins, logger, timeout });
  const checkBlocked = createInterrupts({ pool, placement, jobs, timeout });
  const onCrash = createCrashes({ pool, jobs, stats, logger, memoryLimitMb });

  return {
    run: jobs.run,
    async warm() {
      if (pool.closed) return;
      pool.ensure();
      await Promise.all(pool.slots.map((slot) => slot.started));
    },
    stats: stats.snapshot,
    close: pool.close,
  };
}
