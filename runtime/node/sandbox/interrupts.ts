/**
 * What the pool does about a process that does not answer, checked on every watch of it
 * (pool.ts). A process held by one version's run first hands the renders of other versions
 * waiting behind it to other processes; a run that goes on past the timeout, or a process
 * that leaves a ping unanswered, is interrupted (SIGINT stops the run, the process carries
 * on); a process still silent after that is stuck outside any run, and is replaced.
 */
import type { Jobs } from './jobs.js';
import type { Placement } from './placement.js';
import { busy, type Pool, type Slot } from './pool.js';

const STUCK_GRACE_MS = 1000;
/** How long an overdue job's process may take to answer a ping before its run is interrupted. */
const PING_GRACE_MS = 100;

export interface InterruptsOptions {
  pool: Pool;
  placement: Placement;
  jobs: Jobs;
  timeout: number;
}

/** Returns the check to run on each watch of a process. */
export function createInterrupts({ pool, placement, jobs, timeout }: InterruptsOptions): (slot: Slot) => void {
  /**
   * A process held by one version's run: renders of other versions waiting behind it run
   * elsewhere now (a render is safe to run twice; the first answer counts).
   */
  function rescue(slot: Slot) {
    for (const job of [...slot.jobs.values()]) {
      if (job.key === slot.running || job.message.kind !== 'loader' || job.retried) continue;
      const target = placement.pick(job.key, slot);
      if (target === slot) continue;
      slot.jobs.delete(job.id);
      slot.send({ t: 'cancel', id: job.id });
      job.retried = true;
      jobs.dispatch(target, job);
    }
  }

  /**
   * A process that does not answer is held by one run of server code: SIGINT stops that run
   * (its entries break on SIGINT) and the process carries on. One still silent after that is
   * stuck outside any run: replace it.
   */
  return function checkBlocked(slot: Slot) {
    if (slot.ending !== undefined) return;
    const now = performance.now();
    if (slot.interruptedAt !== undefined) {
      if (now - slot.interruptedAt > STUCK_GRACE_MS) pool.end(slot, `stopped answering (stuck for over ${timeout} ms)`);
      return;
    }
    if (!slot.probation && busy(slot, now)) rescue(slot);
    const silentWithWork = slot.ready && slot.jobs.size > 0 && now - slot.lastHeard > timeout;
    const pingUnanswered = slot.pingAt !== undefined && now - slot.pingAt > PING_GRACE_MS;
    if (silentWithWork || pingUnanswered) {
      slot.interruptedAt = now;
      slot.child.kill('SIGINT');
    }
  };
}
