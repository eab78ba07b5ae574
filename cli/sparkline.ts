/** A tiny per-day chart in one line of text, for `mikr0 info`'s version table. */

const BLOCKS = '▁▂▃▄▅▆▇█';
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * One block per value, on a scale from zero (▁) to the largest value (█). Anything above zero
 * gets at least the second block, so a day with one render never looks like a day with none.
 */
export function sparkline(values: readonly number[]): string {
  const max = Math.max(0, ...values);
  const top = BLOCKS.length - 1;
  return values.map((value) => (value > 0 ? BLOCKS[Math.max(1, Math.round((value / max) * top))] : BLOCKS[0])).join('');
}

/**
 * The counts of the last `days` UTC days, oldest first, ending today: the registry's `usage`
 * lists only days with counts, the chart needs every day.
 */
export function dailyCounts(usage: readonly { day: string; renders: number }[], days: number, now = Date.now()): number[] {
  const byDay = new Map(usage.map((u) => [u.day, u.renders]));
  return Array.from({ length: days }, (_, i) => byDay.get(new Date(now - (days - 1 - i) * DAY_MS).toISOString().slice(0, 10)) ?? 0);
}
