/**
 * Renders and action calls per version per UTC day, counted without a database write per
 * request: counts add up in memory and go to the backend in one `addUsage` every few seconds
 * (and on close). Reads wait for a flush under way, then add what is still in memory, so an
 * answer counts every request this process has seen, flushed or not. Other replicas' counts
 * arrive with their next flush.
 */
import type { MetadataBackend, UsageRow } from './types.js';

export const DAY_MS = 86_400_000;
/** Days of per-day counts a version's detail shows. */
export const USAGE_DAYS = 30;

export interface VersionUsage {
  renders: number;
  actions: number;
  lastRenderedAt: number | null;
  /** Days with counts within the last USAGE_DAYS days, oldest first. */
  days: { day: string; renders: number; actions: number }[];
}

export interface UsageOptions {
  /** How often counts go to the backend (default 5000 ms). */
  flushIntervalMs?: number;
  /** A flush that failed (the counts stay in memory for the next one). */
  onError?: (error: unknown) => void;
}

/** `YYYY-MM-DD` of a time, UTC. */
export const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function createUsage(backend: MetadataBackend, options: UsageOptions = {}) {
  let pending = new Map<string, UsageRow>();
  let flushing: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;

  // The day of the current time, recomputed only when a count crosses midnight (UTC): a
  // Date and an ISO string per render showed in the render path's profile.
  let today = '';
  let todayStart = 0;
  let todayEnd = 0;
  function dayAt(at: number): string {
    if (at >= todayStart && at < todayEnd) return today;
    todayStart = at - (at % DAY_MS);
    todayEnd = todayStart + DAY_MS;
    return (today = dayOf(at));
  }

  function count(name: string, version: string, renders: number, actions: number, at: number) {
    const day = dayAt(at);
    const key = `${name}\0${version}\0${day}`;
    let row = pending.get(key);
    if (!row) pending.set(key, (row = { name, version, day, renders: 0, actions: 0, lastRenderedAt: null }));
    row.renders += renders;
    row.actions += actions;
    if (renders > 0) row.lastRenderedAt = at;
    // The first count starts the clock: an idle registry has no timer running.
    if (!timer) {
      timer = setTimeout(() => void flush(), options.flushIntervalMs ?? 5000);
      timer.unref();
    }
  }

  /** Sends what is counted to the backend; a failure keeps the counts for the next flush. */
  function flush(): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    if (flushing) return flushing.then(() => flush());
    if (pending.size === 0) return Promise.resolve();
    const rows = [...pending.values()];
    pending = new Map();
    flushing = backend.addUsage(rows).then(
      () => {
        flushing = undefined;
      },
      (error) => {
        flushing = undefined;
        for (const row of rows) addUsageRow(pending, row);
        options.onError?.(error);
        if (!timer && pending.size > 0) {
          timer = setTimeout(() => void flush(), options.flushIntervalMs ?? 5000);
          timer.unref();
        }
      },
    );
    return flushing;
  }

  /** The backend's rows of `name` since `sinceDay` plus what is in memory. */
  async function rows(name: string, sinceDay: string): Promise<UsageRow[]> {
    await flushing;
    const merged = new Map<string, UsageRow>();
    for (const row of await backend.getUsage(name, sinceDay)) addUsageRow(merged, row);
    for (const row of pending.values()) if (row.name === name && row.day >= sinceDay) addUsageRow(merged, row);
    return [...merged.values()];
  }

  return {
    rendered: (name: string, version: string, at = Date.now()) => count(name, version, 1, 0, at),
    acted: (name: string, version: string, at = Date.now()) => count(name, version, 0, 1, at),
    flush,

    /** Per version of `name`: totals over all time, and the last USAGE_DAYS days one by one. */
    async forName(name: string, now = Date.now()): Promise<Map<string, VersionUsage>> {
      const recent = dayOf(now - (USAGE_DAYS - 1) * DAY_MS);
      const byVersion = new Map<string, VersionUsage>();
      for (const row of (await rows(name, '0000-00-00')).sort((a, b) => (a.day < b.day ? -1 : 1))) {
        let usage = byVersion.get(row.version);
        if (!usage) byVersion.set(row.version, (usage = { renders: 0, actions: 0, lastRenderedAt: null, days: [] }));
        usage.renders += row.renders;
        usage.actions += row.actions;
        if (row.lastRenderedAt !== null) usage.lastRenderedAt = Math.max(usage.lastRenderedAt ?? 0, row.lastRenderedAt);
        if (row.day >= recent) usage.days.push({ day: row.day, renders: row.renders, actions: row.actions });
      }
      return byVersion;
    },

    /**
     * Whether `name@version` was rendered within the last `windowMs`: the renders counted on
     * the days that window touches, and the last one. Null when not rendered in the window.
     */
    async renderedWithin(name: string, version: string, windowMs: number, now = Date.now()): Promise<{ renders: number; last: number } | null> {
      let renders = 0;
      let last = 0;
      for (const row of await rows(name, dayOf(now - windowMs))) {
        if (row.version !== version) continue;
        renders += row.renders;
        last = Math.max(last, row.lastRenderedAt ?? 0);
      }
      return last >= now - windowMs && renders > 0 ? { renders, last } : null;
    },

    /** Stops the clock and sends what is left. */
    async close() {
      await flush();
      clearTimeout(timer);
      timer = undefined;
    },
  };
}

export type Usage = ReturnType<typeof createUsage>;

/**
 * Adds `row` to what `into` holds for its (name, version, day): counts summed, the later
 * `lastRenderedAt` kept. The one merge of usage rows (this layer, the memory backend, the
 * PostgreSQL batch).
 */
export function addUsageRow(into: Map<string, UsageRow>, row: UsageRow): void {
  const key = `${row.name}\0${row.version}\0${row.day}`;
  const had = into.get(key);
  if (!had) return void into.set(key, { ...row });
  had.renders += row.renders;
  had.actions += row.actions;
  if (row.lastRenderedAt !== null) had.lastRenderedAt = Math.max(had.lastRenderedAt ?? 0, row.lastRenderedAt);
}
