/**
 * The sandbox pool: runs published server code in sandbox processes (process.ts), each
 * component version in its own vm context there. The pool keeps every job's deadline and
 * keeps components apart:
 *
 * - each version has a home process, so a component that holds its process (a long
 *   synchronous render) holds up only itself: renders of others move elsewhere, even those
 *   already waiting there;
 * - a process that dies (out of memory, a crash) or stops answering takes only its culprit
 *   with it: when jobs of several versions were in flight, each version's renders run again
 *   in a fresh process of their own, and the one that kills that process too is to blame;
 * - a version that keeps timing out or crashing is cut off for a cool-down (breaker.ts);
 * - a process over its memory budget (resident memory, checked here too) is replaced.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { LRUCache } from 'lru-cache';
import { createError, type Mikr0Error } from '../../shared/errors.js';
import { executionError, timeoutError, type FailureInfo } from '../execution-error.js';
import type { Executor, ExecuteJob, ExecuteResult } from '../render.js';
import { createBreaker, type BreakerOptions } from './breaker.js';
import { DEFAULT_TIMEOUT_MS } from './defaults.js';
import { resolveFetchPolicy, type FetchPolicyOptions } from './fetch-policy.js';
import { createOutbox, RUNNING_FD, type FromProcess, type ProcessOptions, type ToProcess } from './protocol.js';
import { spawnSandboxProcess } from './spawn.js';

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
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
  /** It has said something: started, so its silence means something. */
  ready: boolean;
  started: Promise<void>;
  /** Versions whose source was sent (true) or is on its way to this process; it asks for any it dropped. */
  sources: Map<string, Promise<void> | true>;
  /** Versions whose home this is. */
  homes: number;
  /** The version whose code the process entered last (see `RUNNING_FD`): the one holding it when it is silent. */
  running?: string;
  /** Set when the pool ends the process on purpose (and why, when it is a failure). */
  ending?: string;
  /** A process of its own for the suspects of one version after a crash. */
  probation: boolean;
  watch: NodeJS.Timeout;
  /** When an overdue job made the pool ask the process whether it still answers. */
  pingAt?: number;
  /** When the pool interrupted the process's current run. */
  interruptedAt?: number;
}

/** No message for this long while jobs run: the process is held by some component's code. */
const BUSY_MS = 100;
const PAGE_SIZE = 4096;
const STUCK_GRACE_MS = 1000;
/** How long an overdue job's process may take to answer a ping before its run is interrupted. */
const PING_GRACE_MS = 100;
/** How often each process is checked: blocked, over its memory. */
const WATCH_MS = 100;
const HAS_PROC = existsSync('/proc/self/statm');

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
  // A slot counts the versions whose home it is; a home replaced or forgotten stops counting.
  const homes = new LRUCache<string, Slot>({ max: 10_000, dispose: (slot) => void slot.homes-- });
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
      ready: false,
      sources: new Map(),
      started: new Promise<void>((resolve) => {
        child.once('message', () => resolve());
        child.once('exit', () => resolve());
      }),
      homes: 0,
      probation,
      watch: setInterval(() => {
        checkBlocked(slot);
        checkResident(slot);
      }, WATCH_MS).unref(),
    };
    if (probation) probations.add(slot);
    child.on('message', (batch: FromProcess[]) => {
      slot.lastHeard = performance.now();
      slot.ready = true;
      slot.pingAt = slot.interruptedAt = undefined;
      for (const message of batch) onMessage(slot, message);
    });
    // One line per change of version; only the last complete line matters.
    let partial = '';
    child.stdio[RUNNING_FD]?.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString('latin1')).split('\n');
      partial = lines.pop()!;
      if (lines.length) slot.running = lines[lines.length - 1];
    });
    child.on('error', (error) => logger.error(`mikr0 sandbox: a sandbox process failed: ${error.message}`));
    child.on('exit', (code, signal) => onExit(slot, code, signal));
    return slot;
  }

  /** Resident memory, read from /proc where there is one (Linux); elsewhere the process checks itself. */
  function checkResident(slot: Slot) {
    if (!HAS_PROC || slot.ending !== undefined || slot.child.pid === undefined) return;
    let pages: number;
    try {
      pages = Number(readFileSync(`/proc/${slot.child.pid}/statm`, 'utf8').split(' ')[1]);
    } catch {
      return;
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
        sendSource(slot, message.key, message.name, message.version);
        return;
      case 'cache':
        keepCodeCache(message.key, message.data);
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
      case 'beat':
        return;
    }
  }

  /** Loads `key`'s source (and its code cache, when there is one) and sends it to `slot`. */
  function sendSource(slot: Slot, key: string, name: string, version: string): Promise<void> {
    return Promise.all([options.loadSource(name, version), cachedCode(key, name, version)]).then(
      ([code, cache]) => slot.send({ t: 'source', key, code, cache }),
      (error) => slot.send({ t: 'source', key, error: String(error?.message ?? error) }),
    );
  }

  async function cachedCode(key: string, name: string, version: string): Promise<string | undefined> {
    const known = codeCache.get(key);
    if (known !== undefined || !options.codeCache) return known;
    const stored = await options.codeCache.load(name, version).catch(() => null);
    if (!stored) return undefined;
    const data = Buffer.from(stored).toString('base64');
    codeCache.set(key, data);
    return data;
  }

  /** A process made a code cache for `key` (it had none, or V8 refused it): kept for the others, and stored. */
  function keepCodeCache(key: string, data: string) {
    codeCache.set(key, data);
    if (!options.codeCache) return;
    const at = key.lastIndexOf('@');
    options.codeCache.save(key.slice(0, at), key.slice(at + 1), Buffer.from(data, 'base64')).catch((error) => {
      logger.warn(`mikr0 sandbox: could not store the code cache of ${key}: ${error?.message ?? error}`);
    });
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
        dispatch(probation, job);
      }
    }
  }

  /** Held by some run of server code: work there and silence for a while (a starting process is not). */
  function busy(slot: Slot, now: number) {
    return slot.ready && slot.jobs.size > 0 && now - slot.lastHeard > BUSY_MS;
  }

  /**
   * The version's home, unless another component holds it up; then the least loaded free
   * process. `avoid`: a process held by another version, never the answer when there is another.
   */
  function pick(key: string, avoid?: Slot): Slot {
    const now = performance.now();
    const home = homes.get(key);
    // The version holding its busy home stays there (it would hold up the next one too).
    if (home && home !== avoid && slots.includes(home) && (!busy(home, now) || home.running === key)) return home;
    let best: Slot | undefined;
    for (const slot of slots) {
      if (slot === home || slot === avoid) continue;
      const free = !busy(slot, now);
      if (!best || (free && busy(best, now)) || (free === !busy(best, now) && slot.jobs.size * 1000 + slot.homes < best.jobs.size * 1000 + best.homes)) {
        best = slot;
      }
    }
    const chosen = best ?? (home && slots.includes(home) ? home : slots[0]);
    if (home !== chosen) {
      chosen.homes++;
      homes.set(key, chosen);
    }
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
      const entry: Job = { id, key, message, resolve, reject, retried: false, timer: undefined as unknown as NodeJS.Timeout };
      entry.timer = setTimeout(() => overdue(entry), timeout);
      dispatch(pick(key), entry);
    });
  }

  /** The deadline passed: 504 now, and the process is asked whether it is still answering. */
  function overdue(job: Job) {
    const slot = [...slots, ...(spare ? [spare] : [])].find((s) => s.jobs.has(job.id)) ?? findProbation(job);
    // Waiting behind another version's run is not this version's failure.
    const heldUp = slot !== undefined && slot.running !== job.key && busy(slot, performance.now());
    if (!heldUp) failed(job.key, 'timeouts', 'timeout');
    job.reject(timeoutError(job.message, timeout));
    if (!slot) return;
    slot.jobs.delete(job.id);
    slot.send({ t: 'cancel', id: job.id });
    if (slot.probation && slot.jobs.size === 0) return end(slot);
    if (slot.pingAt === undefined) {
      slot.pingAt = performance.now();
      slot.send({ t: 'ping' });
    }
  }

  /**
   * A process that does not answer is held by one run of server code: SIGINT stops that run
   * (its entries break on SIGINT) and the process carries on. One still silent after that is
   * stuck outside any run: replace it.
   */
  function checkBlocked(slot: Slot) {
    if (slot.ending !== undefined) return;
    const now = performance.now();
    if (slot.interruptedAt !== undefined) {
      if (now - slot.interruptedAt > STUCK_GRACE_MS) end(slot, `stopped answering (stuck for over ${timeout} ms)`);
      return;
    }
    if (!slot.probation && busy(slot, now)) rescue(slot);
    const silentWithWork = slot.ready && slot.jobs.size > 0 && now - slot.lastHeard > timeout;
    const pingUnanswered = slot.pingAt !== undefined && now - slot.pingAt > PING_GRACE_MS;
    if (silentWithWork || pingUnanswered) {
      slot.interruptedAt = now;
      slot.child.kill('SIGINT');
    }
  }

  /**
   * A process held by one version's run: renders of other versions waiting behind it run
   * elsewhere now (a render is safe to run twice; the first answer counts).
   */
  function rescue(slot: Slot) {
    for (const job of [...slot.jobs.values()]) {
      if (job.key === slot.running || job.message.kind !== 'loader' || job.retried) continue;
      const target = pick(job.key, slot);
      if (target === slot) continue;
      slot.jobs.delete(job.id);
      slot.send({ t: 'cancel', id: job.id });
      job.retried = true;
      dispatch(target, job);
    }
  }

  function dispatch(slot: Slot, job: Job) {
    // An idle process sends nothing: its silence counts from its first job.
    if (slot.jobs.size === 0) slot.lastHeard = performance.now();
    slot.jobs.set(job.id, job);
    // The first job of a version here goes out behind its source: no round trip to ask for it.
    const sent = slot.sources.get(job.key);
    if (sent === true) return slot.send(job.message);
    if (sent) return void sent.then(() => slot.send(job.message));
    if (slot.sources.size >= processOptions.cacheSize) slot.sources.clear();
    const { name, version } = job.message;
    const sending = sendSource(slot, job.key, name, version).then(() => void slot.sources.set(job.key, true));
    slot.sources.set(job.key, sending);
    sending.then(() => slot.send(job.message));
  }

  function findProbation(job: Job): Slot | undefined {
    for (const slot of probations) if (slot.jobs.has(job.id)) return slot;
    return undefined;
  }

  return {
    run,
    async warm() {
      if (closed) return;
      ensurePool();
      await Promise.all(slots.map((slot) => slot.started));
    },
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
