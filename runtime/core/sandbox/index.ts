/**
 * The sandbox pool: runs published server code in sandbox processes (process.ts), each
 * component version in its own vm context there. The pool keeps every job's deadline and
 * keeps components apart:
 *
 * - each version has a home process, so a component that hogs its process (a long
 *   synchronous render) holds up only itself; others whose home is busy move elsewhere;
 * - a process that dies (out of memory, a crash) or stops answering takes only its culprit
 *   with it: when jobs of several versions were in flight, each version's renders run again
 *   in a fresh process of their own, and the one that kills that process too is to blame;
 * - a version that keeps timing out or crashing is cut off for a cool-down (breaker.ts);
 * - a process over its memory budget (resident memory, checked here too) is replaced.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { LRUCache } from 'lru-cache';
import { createError, type Mikr0Error } from '../errors.js';
import { executionError, timeoutError, type FailureInfo } from '../execution-error.js';
import type { Executor, ExecuteJob, ExecuteResult } from '../render.js';
import { createBreaker, type BreakerOptions } from './breaker.js';
import { DEFAULT_TIMEOUT_MS } from './defaults.js';
import { resolveFetchPolicy, type FetchPolicyOptions } from './fetch-policy.js';
import { createOutbox, type FromProcess, type ProcessOptions, type ToProcess } from './protocol.js';
import { spawnSandboxProcess } from './spawn.js';

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
  stats(): SandboxStats;
  close(): Promise<void>;
}

type RunMessage = Extract<ToProcess, { t: 'run' }>;

interface Job {
  id: number;
  key: string;
  message: RunMessage;
  resolve: (result: ExecuteResult) => void;
  reject: (error: Mikr0Error) => void;
  timer: NodeJS.Timeout;
  retried: boolean;
}

interface Slot {
  child: ChildProcess;
  send: (message: ToProcess) => void;
  jobs: Map<number, Job>;
  lastHeard: number;
  /** Versions whose home this is. */
  homes: number;
  /** The version that last held this process for long, and until when that counts. */
  hog?: { key: string; until: number };
  /** Set when the pool ends the process on purpose (and why, when it is a failure). */
  ending?: string;
  /** A process of its own for the suspects of one version after a crash. */
  probation: boolean;
  watch: NodeJS.Timeout;
}

/** No message for this long while jobs run: the process is held by some component's code. */
const BUSY_MS = 100;
const PAGE_SIZE = 4096;
const STUCK_GRACE_MS = 1000;

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
  // Resident memory beyond the budget: the process baseline and V8's own overhead.
  const rssLimit = (memoryLimitMb * 1.25 + 128) * 1024 * 1024;
  const size = Math.max(2, options.processes ?? options.workers ?? Math.min(4, os.availableParallelism()));
  const breaker = createBreaker(options.breaker);
  const stats = { moduleCacheHits: 0, moduleCacheMisses: 0, processRestarts: 0 };
  const counters = new Map<string, ComponentCounters>();
  const homes = new LRUCache<string, Slot>({ max: 10_000 });
  const codeCache = new LRUCache<string, string>({ maxSize: 64 * 1024 * 1024, sizeCalculation: (v) => v.length || 1 });
  const slots: Slot[] = [];
  let spare: Slot | undefined;
  const probations = new Set<Slot>();
  let nextId = 0;
  let closed = false;

  function spawn(probation = false): Slot {
    const child = spawnSandboxProcess(processOptions);
    const slot: Slot = {
      child,
      send: createOutbox((batch) => {
        if (child.connected) child.send(batch);
      }),
      jobs: new Map(),
      lastHeard: performance.now(),
      homes: 0,
      probation,
      watch: setInterval(() => checkResident(slot), 250).unref(),
    };
    if (probation) probations.add(slot);
    child.on('message', (batch: FromProcess[]) => {
      slot.lastHeard = performance.now();
      for (const message of batch) onMessage(slot, message);
    });
    child.on('error', (error) => logger.error(`mikr0 sandbox: a sandbox process failed: ${error.message}`));
    child.on('exit', (code, signal) => onExit(slot, code, signal));
    return slot;
  }

  /** Resident memory, read from /proc where there is one (Linux); elsewhere the process checks itself. */
  function checkResident(slot: Slot) {
    if (slot.ending || slot.child.pid === undefined) return;
    let pages: number;
    try {
      pages = Number(readFileSync(`/proc/${slot.child.pid}/statm`, 'utf8').split(' ')[1]);
    } catch {
      return clearInterval(slot.watch);
    }
    if (pages * PAGE_SIZE > rssLimit) end(slot, `went over the sandbox memory limit (${memoryLimitMb} MB)`);
  }

  function end(slot: Slot, reason?: string) {
    if (slot.ending !== undefined) return;
    slot.ending = reason ?? '';
    clearInterval(slot.watch);
    slot.child.kill('SIGKILL');
  }

  function ensurePool() {
    while (slots.length < size) slots.push(spawn());
    if (!spare) spare = spawn();
  }

  /** A live process for the pool, from the spare when there is one. */
  function fresh(): Slot {
    const slot = spare ?? spawn();
    spare = undefined;
    if (!closed) setImmediate(() => !closed && !spare && (spare = spawn()));
    return slot;
  }

  function count(key: string, field: keyof ComponentCounters) {
    let entry = counters.get(key);
    if (!entry) counters.set(key, (entry = { timeouts: 0, crashes: 0, memoryKills: 0, cutoffs: 0 }));
    entry[field]++;
  }

  function failed(key: string, field: 'timeouts' | 'crashes' | 'memoryKills', reason: string) {
    count(key, field);
    if (breaker.failure(key, reason)) {
      count(key, 'cutoffs');
      logger.warn(`mikr0 sandbox: ${key} is cut off for a while after repeated failures (last: ${reason})`);
    }
  }

  function settle(slot: Slot, job: Job) {
    slot.jobs.delete(job.id);
    clearTimeout(job.timer);
    if (slot.probation && slot.jobs.size === 0) end(slot);
  }

  function onMessage(slot: Slot, message: FromProcess) {
    switch (message.t) {
      case 'done': {
        const job = slot.jobs.get(message.id);
        if (!job) return;
        settle(slot, job);
        if (message.hit) stats.moduleCacheHits++;
        else stats.moduleCacheMisses++;
        if (message.error === undefined) {
          breaker.success(job.key);
          return job.resolve({ data: message.data, html: message.html });
        }
        const info = JSON.parse(message.error) as FailureInfo;
        if (message.fault === 'timeout') {
          failed(job.key, 'timeouts', 'timeout');
          return job.reject(timeoutError(job.message, timeout));
        }
        if (message.fault === 'memory') {
          failed(job.key, 'memoryKills', 'memory limit');
          return job.reject(crashError(job, info.message));
        }
        return job.reject(executionError(job.message, info, message.load === true, (text) => logger.error(text)));
      }
      case 'source':
        loadSource(message.name, message.version).then(
          (code) => slot.send({ t: 'source', key: message.key, code, cache: codeCache.get(message.key) }),
          (error) => slot.send({ t: 'source', key: message.key, error: String(error?.message ?? error) }),
        );
        return;
      case 'cache':
        codeCache.set(message.key, message.data);
        return;
      case 'plugin':
        callPlugin(message.name, message.args).then(
          (value) => slot.send({ t: 'plugin', id: message.id, value }),
          (error) => slot.send({ t: 'plugin', id: message.id, error: String(error?.message ?? error) }),
        );
        return;
      case 'log':
        (message.level === 'error' ? logger.error : message.level === 'warn' ? logger.warn : logger.info)(message.text);
        return;
      case 'slow':
        slot.hog = { key: message.key, until: performance.now() + 5000 };
        return;
      case 'beat':
        return;
    }
  }

  function loadSource(name: string, version: string) {
    return options.loadSource(name, version);
  }

  async function callPlugin(name: string, argsJson: string): Promise<string> {
    const plugin = plugins[name];
    if (typeof plugin !== 'function') throw new Error(`This registry does not provide the plugin "${name}"`);
    const result = await plugin(...(JSON.parse(argsJson) as unknown[]));
    return result === undefined ? '' : JSON.stringify(result);
  }

  function crashError(job: Job, why: string): Mikr0Error {
    const { name, version, kind } = job.message;
    return createError({ status: 500, code: kind === 'loader' ? 'LOADER_ERROR' : 'ACTION_ERROR', message: `Server code of ${name}@${version} ${why}` });
  }

  function onExit(slot: Slot, code: number | null, signal: string | null) {
    clearInterval(slot.watch);
    probations.delete(slot);
    const index = slots.indexOf(slot);
    if (index >= 0 && !closed) {
      slots[index] = fresh();
      slots[index].homes = 0;
    }
    if (slot === spare) spare = undefined;
    const jobs = [...slot.jobs.values()];
    slot.jobs.clear();
    if (closed || (slot.ending === '' && jobs.length === 0)) return;
    stats.processRestarts++;
    const why =
      slot.ending ||
      (code === 70 || signal === 'SIGABRT' || code === 134
        ? `ran out of memory and crashed its sandbox (limit ${memoryLimitMb} MB)`
        : `crashed its sandbox (exit ${signal ?? code})`);
    const memory = /memory/.test(why);
    logger.error(`mikr0 sandbox: a sandbox process ended (${why}); ${jobs.length} job(s) were in flight`);
    const byKey = new Map<string, Job[]>();
    for (const job of jobs) byKey.set(job.key, [...(byKey.get(job.key) ?? []), job]);
    if (byKey.size === 1 || slot.probation) {
      // One version in flight: it is the culprit.
      for (const [key, group] of byKey) {
        failed(key, memory ? 'memoryKills' : 'crashes', memory ? 'memory limit' : 'crash');
        for (const job of group) clearTimeout(job.timer), job.reject(crashError(job, why));
      }
      return;
    }
    // Several versions: each runs again alone; the one that kills its own process is to blame.
    for (const group of byKey.values()) {
      const retry = group.filter((job) => job.message.kind === 'loader' && !job.retried);
      for (const job of group) {
        if (retry.includes(job)) continue;
        clearTimeout(job.timer);
        job.reject(createError({ status: 503, code: 'UNAVAILABLE', message: 'The sandbox running this request was restarted because of another component; retry it', headers: { 'Retry-After': '1' } }));
      }
      if (retry.length === 0) continue;
      const probation = spawn(true);
      for (const job of retry) {
        job.retried = true;
        probation.jobs.set(job.id, job);
        probation.send(job.message);
      }
    }
  }

  function busy(slot: Slot, now: number) {
    return slot.jobs.size > 0 && now - slot.lastHeard > BUSY_MS;
  }

  function holds(slot: Slot, key: string) {
    for (const job of slot.jobs.values()) if (job.key === key) return true;
    return false;
  }

  /** The version's home, unless another component holds it up; then the least loaded free process. */
  function pick(key: string): Slot {
    const now = performance.now();
    const home = homes.get(key);
    if (home && slots.includes(home)) {
      if (!busy(home, now)) return home;
      const hog = home.hog && home.hog.until > now ? home.hog.key : undefined;
      // A version with work on its busy home may be the one holding it: it stays there.
      if (hog === key || (hog === undefined && holds(home, key))) return home;
    }
    let best: Slot | undefined;
    for (const slot of slots) {
      if (slot === home) continue;
      const free = !busy(slot, now);
      if (!best || (free && busy(best, now)) || (free === !busy(best, now) && slot.jobs.size * 1000 + slot.homes < best.jobs.size * 1000 + best.homes)) {
        best = slot;
      }
    }
    const chosen = best ?? home ?? slots[0];
    if (home && home !== chosen) home.homes--;
    if (home !== chosen) chosen.homes++;
    homes.set(key, chosen);
    return chosen;
  }

  function run(job: ExecuteJob): Promise<ExecuteResult> {
    if (closed) return Promise.reject(createError({ status: 503, code: 'UNAVAILABLE', message: 'The registry is shutting down' }));
    const key = `${job.name}@${job.version}`;
    const refused = breaker.check(key);
    if (refused) return Promise.reject(refused);
    ensurePool();
    const id = nextId++;
    const message: RunMessage = {
      t: 'run',
      id,
      name: job.name,
      version: job.version,
      kind: job.kind,
      action: job.action,
      args: JSON.stringify({ parameters: job.parameters, headers: job.headers, input: job.input }),
    };
    return new Promise((resolve, reject) => {
      const slot = pick(key);
      const entry: Job = { id, key, message, resolve, reject, retried: false, timer: undefined as unknown as NodeJS.Timeout };
      entry.timer = setTimeout(() => overdue(entry), timeout);
      slot.jobs.set(id, entry);
      slot.send(message);
    });
  }

  /** The deadline passed: 504 now. A process that has said nothing for that long is stuck: replace it. */
  function overdue(job: Job) {
    const slot = [...slots, ...(spare ? [spare] : [])].find((s) => s.jobs.has(job.id)) ?? findProbation(job);
    failed(job.key, 'timeouts', 'timeout');
    job.reject(timeoutError(job.message, timeout));
    if (!slot) return;
    slot.jobs.delete(job.id);
    slot.send({ t: 'cancel', id: job.id });
    if (slot.probation && slot.jobs.size === 0) return end(slot);
    // The process stops overlong runs itself; one that stays silent well past that is stuck
    // outside any run (in the host's own code): replace it.
    const asked = performance.now();
    slot.send({ t: 'ping' });
    setTimeout(() => {
      if (slot.lastHeard < asked) end(slot, `stopped answering (stuck for over ${timeout} ms)`);
    }, timeout + STUCK_GRACE_MS).unref();
  }

  function findProbation(job: Job): Slot | undefined {
    for (const slot of probations) if (slot.jobs.has(job.id)) return slot;
    return undefined;
  }

  if (!closed) ensurePool();

  return {
    run,
    stats: () => ({ ...stats, components: Object.fromEntries([...counters].map(([key, value]) => [key, { ...value }])) }),
    async close() {
      closed = true;
      const all = [...slots.splice(0), ...(spare ? [spare] : []), ...probations];
      spare = undefined;
      for (const slot of all) {
        for (const job of slot.jobs.values()) {
          clearTimeout(job.timer);
          job.reject(createError({ status: 503, code: 'UNAVAILABLE', message: 'The registry is shutting down' }));
        }
        slot.jobs.clear();
      }
      await Promise.all(
        all.map(
          (slot) =>
            new Promise<void>((done) => {
              if (slot.child.exitCode !== null || slot.child.signalCode !== null) return done();
              slot.child.once('exit', () => done());
              end(slot);
            }),
        ),
      );
    },
  };
}
