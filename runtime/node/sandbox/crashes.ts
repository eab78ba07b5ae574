/**
 * A process that dies (out of memory, a crash) or is ended for a failure takes only its
 * culprit with it. With one version in flight, whose code the process was running, that
 * version is to blame. Otherwise (several versions, or one whose jobs were only waiting while
 * the code of a version already answered held the process) each version's renders run again
 * in a probation process of their own, and the one that kills that process too is to blame;
 * what cannot run again (an action, or a render already run again) is refused with a 503 to
 * retry.
 */
import { createError, type Mikr0Error } from '../../shared/errors.js';
import type { Logger } from './index.js';
import type { Jobs } from './jobs.js';
import type { Job, Pool, Slot } from './pool.js';
import type { PoolStats } from './stats.js';

export function crashError(job: Job, why: string): Mikr0Error {
  const { name, version, kind } = job.message;
  return createError({ status: 500, code: kind === 'loader' ? 'LOADER_ERROR' : 'ACTION_ERROR', message: `Server code of ${name}@${version} ${why}` });
}

export interface CrashesOptions {
  pool: Pool;
  jobs: Jobs;
  stats: PoolStats;
  logger: Logger;
  memoryLimitMb: number;
}

/** Returns what to do when a process with jobs in flight (`inFlight`) has ended. */
export function createCrashes({ pool, jobs, stats, logger, memoryLimitMb }: CrashesOptions) {
  return function onCrash(slot: Slot, inFlight: Job[], code: number | null, signal: string | null) {
    stats.restarted();
    const why =
      slot.ending ||
      (code === 70 || signal === 'SIGABRT' || code === 134
        ? `ran out of memory and crashed its sandbox (limit ${memoryLimitMb} MB)`
        : `crashed its sandbox (exit ${signal ?? code})`);
    const memory = /memory/.test(why);
    const running = slot.running === undefined ? '' : ` while running ${slot.running}`;
    logger.error(`mikr0 sandbox: a sandbox process ended (${why})${running}; ${inFlight.length} job(s) were in flight`);
    const byKey = new Map<string, Job[]>();
    for (const job of inFlight) byKey.set(job.key, [...(byKey.get(job.key) ?? []), job]);
    // A version whose code was not running had jobs only waiting there: the process was held
    // by code of one the pool had already answered (a run past its timeout, say).
    const culprit = slot.probation || (byKey.size === 1 && (slot.running === undefined || byKey.has(slot.running)));
    if (culprit) {
      // One version in flight, and its code was running: it is to blame.
      for (const [key, group] of byKey) {
        stats.failed(key, memory ? 'memoryKills' : 'crashes', memory ? 'memory limit' : 'crash');
        for (const job of group) clearTimeout(job.timer), job.reject(crashError(job, why));
      }
      return;
    }
    // Several versions, or one that was only waiting: each runs again alone; the one that kills
    // its own process is to blame.
    for (const group of byKey.values()) {
      const retry = group.filter((job) => job.message.kind === 'loader' && !job.retried);
      for (const job of group) {
        if (retry.includes(job)) continue;
        clearTimeout(job.timer);
        job.reject(createError({ status: 503, code: 'UNAVAILABLE', message: 'The sandbox running this request was restarted because of another component; retry it', headers: { 'Retry-After': '1' } }));
      }
      if (retry.length === 0) continue;
      const probation = pool.probation();
      for (const job of retry) {
        job.retried = true;
        jobs.dispatch(probation, job);
      }
    }
  };
}
