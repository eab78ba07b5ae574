/**
 * Which process runs a version's job. Each version has a home process, where its source and
 * compiled code already are; a component that holds its home (a long synchronous render)
 * holds up only itself, because the renders of other versions then go to the least loaded
 * free process, which becomes their home. A process is not free either while code whose job
 * the pool has already answered (at its deadline) may still hold it, nor while the pool ends it.
 */
import { LRUCache } from 'lru-cache';
import { busy, type Slot } from './pool.js';

export interface Placement {
  /**
   * The version's home, unless another component holds it up; then the least loaded free
   * process. `avoid`: a process held by another version, never the answer when there is another.
   */
  pick(key: string, avoid?: Slot): Slot;
}

export function createPlacement(slots: readonly Slot[]): Placement {
  // A slot counts the versions whose home it is; a home replaced or forgotten stops counting.
  const homes = new LRUCache<string, Slot>({ max: 10_000, dispose: (slot) => void slot.homes-- });

  return {
    pick(key, avoid) {
      const now = performance.now();
      const home = homes.get(key);
      // A process the pool is ending takes no job: its exit would catch it.
      const open = (slot: Slot) => slot.ending === undefined && slots.includes(slot);
      // The version holding its busy home stays there (it would hold up the next one too).
      if (home && home !== avoid && open(home) && (!busy(home, now) || home.running === key)) return home;
      let best: Slot | undefined;
      for (const slot of slots) {
        if (slot === home || slot === avoid || !open(slot)) continue;
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
    },
  };
}
