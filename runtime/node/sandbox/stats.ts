/**
 * What the sandbox pool counts (registry-lite's metrics read it through `Sandbox.stats()`),
 * and the one place a version's failure is recorded: counted, and told to the breaker, which
 * cuts off a version that keeps failing.
 */
import type { Breaker } from './breaker.js';
import type { ComponentCounters, Logger, SandboxStats } from './index.js';

export type FailureKind = 'timeouts' | 'crashes' | 'memoryKills';

export interface PoolStats {
  /** A job was answered; `hit`: the process had the version compiled already. */
  answered(hit: boolean): void;
  /** A process ended with work in flight, or for a failure. */
  restarted(): void;
  /** Version `key` failed (`reason` is what the breaker's log says). */
  failed(key: string, kind: FailureKind, reason: string): void;
  snapshot(): SandboxStats;
}

export function createPoolStats(breaker: Breaker, logger: Logger): PoolStats {
  const totals = { moduleCacheHits: 0, moduleCacheMisses: 0, processRestarts: 0 };
  const counters = new Map<string, ComponentCounters>();

  function count(key: string, field: keyof ComponentCounters) {
    let entry = counters.get(key);
    if (!entry) counters.set(key, (entry = { timeouts: 0, crashes: 0, memoryKills: 0, cutoffs: 0 }));
    entry[field]++;
  }

  return {
    answered(hit) {
      if (hit) totals.moduleCacheHits++;
      else totals.moduleCacheMisses++;
    },
    restarted() {
      totals.processRestarts++;
    },
    failed(key, kind, reason) {
      count(key, kind);
      if (breaker.failure(key, reason)) {
        count(key, 'cutoffs');
        logger.warn(`mikr0 sandbox: ${key} is cut off for a while after repeated failures (last: ${reason})`);
      }
    },
    snapshot: () => ({ ...totals, components: Object.fromEntries([...counters].map(([key, value]) => [key, { ...value }])) }),
  };
}
