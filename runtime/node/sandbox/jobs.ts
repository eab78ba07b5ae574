/**
 * A job's way through the pool: refused while its version is cut off, placed on a process
 * (placement.ts), sent behind its version's source when that process does not have it yet,
 * and answered by its deadline whatever the process does: when the deadline passes the
 * caller gets a 504 at once, and the process is asked whether it still answers (see
 * interrupts.ts for what happens when it does not).
 */
import { createError } from '../../shared/errors.js';
import { timeoutError } from '../execution-error.js';
import type { ExecuteJob, ExecuteResult } from '../render.js';
import type { Breaker } from './breaker.js';
import type { CodeCache } from './code-cache.js';
import type { Placement } from './placement.js';
import { busy, type Job, type Pool, type RunMessage, type Slot } from './pool.js';
import type { PoolStats } from './stats.js';

export interface JobsOptions {
  pool: Pool;
  placement: Placement;
  stats: PoolStats;
  breaker: Breaker;
  codeCache: CodeCache;
  loadSource(name: string, version: string): Promise<string>;
  timeout: number;
  /** Sources a process keeps (its compiled components); past that it is sent them again. */
  cacheSize: number;
}

export interface Jobs {
  run(job: ExecuteJob): Promise<ExecuteResult>;
  /** Hands `job` to `slot`; its first job of a version goes out behind the version's source. */
  dispatch(slot: Slot, job: Job): void;
  /** `job` was answered: it leaves its process, and a probation process with no jobs left ends. */
  settle(slot: Slot, job: Job): void;
  /** Loads `key`'s source (and its code cache, when there is one) and sends it to `slot`. */
  sendSource(slot: Slot, key: string, name: string, version: string): Promise<void>;
}

export function createJobs({ pool, placement, stats, breaker, codeCache, loadSource, timeout, cacheSize }: JobsOptions): Jobs {
  let nextId = 0;

  function sendSource(slot: Slot, key: string, name: string, version: string): Promise<void> {
    return Promise.all([loadSource(name, version), codeCache.get(key, name, version)]).then(
      ([code, cache]) => slot.send({ t: 'source', key, code, cache }),
      (error) => slot.send({ t: 'source', key, error: String(error?.message ?? error) }),
    );
  }

  function dispatch(slot: Slot, job: Job) {
    // An idle process sends nothing: its silence counts from its first job.
    if (slot.jobs.size === 0) slot.lastHeard = performance.now();
    slot.jobs.set(job.id, job);
    // The first job of a version here goes out behind its source: no round trip to ask for it.
    const sent = slot.sources.get(job.key);
    if (sent === true) return slot.send(job.message);
    if (sent) return void sent.then(() => slot.send(job.message));
    if (slot.sources.size >= cacheSize) slot.sources.clear();
    const { name, version } = job.message;
    const sending = sendSource(slot, job.key, name, version).then(() => void slot.sources.set(job.key, true));
    slot.sources.set(job.key, sending);
    sending.then(() => slot.send(job.message));
  }

  /** The deadline passed: 504 now, and the process is asked whether it is still answering. */
  function overdue(job: Job) {
    const slot = pool.holder(job.id);
    // Waiting behind another version's run is not this version's failure.
    const heldUp = slot !== undefined && slot.running !== job.key && busy(slot, performance.now());
    if (!heldUp) stats.failed(job.key, 'timeouts', 'timeout');
    job.reject(timeoutError(job.message, timeout));
    if (!slot) return;
    slot.jobs.delete(job.id);
    slot.send({ t: 'cancel', id: job.id });
    if (slot.probation && slot.jobs.size === 0) return pool.end(slot);
    if (slot.pingAt === undefined) {
      slot.pingAt = performance.now();
      slot.send({ t: 'ping' });
    }
  }

  return {
    run(job) {
      if (pool.closed) return Promise.reject(createError({ status: 503, code: 'UNAVAILABLE', message: 'The registry is shutting down' }));
      const key = `${job.name}@${job.version}`;
      const refused = breaker.check(key);
      if (refused) return Promise.reject(refused);
      pool.ensure();
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
        dispatch(placement.pick(key), entry);
      });
    },
    dispatch,
    settle(slot, job) {
      slot.jobs.delete(job.id);
      clearTimeout(job.timer);
      if (slot.probation && slot.jobs.size === 0) pool.end(slot);
    },
    sendSource,
  };
}
