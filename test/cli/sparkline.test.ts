/** The per-day chart of `mikr0 info`: scaling and the days the registry leaves out. */
import { describe, expect, test } from 'vitest';
import { dailyCounts, sparkline } from '../../cli/sparkline.js';

describe('sparkline', () => {
  test.each([
    { values: [], line: '' },
    { values: [0, 0, 0], line: '▁▁▁' },
    { values: [0, 1, 7], line: '▁▂█' },
    // One render is never drawn as none, however big the busiest day.
    { values: [1, 1000], line: '▂█' },
    { values: [5, 5], line: '██' },
    // Linear from zero: 2/12 of the way is the second block, 6/12 (3.5 of 7) rounds up.
    { values: [0, 2, 4, 6, 8, 10, 12], line: '▁▂▃▅▆▇█' },
  ])('$values → $line', ({ values, line }) => {
    expect(sparkline(values)).toBe(line);
  });
});

describe('dailyCounts', () => {
  const now = Date.parse('2026-03-10T12:00:00Z');

  test('fills the days without counts with zeros, oldest first, ending today (UTC)', () => {
    const usage = [
      { day: '2026-03-01', renders: 9 },
      { day: '2026-03-08', renders: 2 },
      { day: '2026-03-10', renders: 5 },
    ];
    expect(dailyCounts(usage, 4, now)).toEqual([0, 2, 0, 5]);
    expect(dailyCounts(usage, 10, now)).toEqual([9, 0, 0, 0, 0, 0, 0, 2, 0, 5]);
    expect(dailyCounts([], 3, now)).toEqual([0, 0, 0]);
  });

  test('a day just after midnight UTC is its own day', () => {
    expect(dailyCounts([{ day: '2026-03-11', renders: 1 }], 2, Date.parse('2026-03-11T00:00:01Z'))).toEqual([0, 1]);
  });
});
