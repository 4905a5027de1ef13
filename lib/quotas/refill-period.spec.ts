import type { RefillInterval } from '../interfaces/quota.interface.js';
import { nextPeriodStart, periodStart } from './refill-period.js';

// UTC calendar periods of SPEC §11: hourly at the top of the hour, daily at 00:00, weekly on
// Monday 00:00, monthly on the 1st at 00:00.

const utc = (y: number, m: number, d: number, h = 0, min = 0, s = 0, ms = 0) => Date.UTC(y, m - 1, d, h, min, s, ms);

describe('periodStart / nextPeriodStart', () => {
  const cases: Array<[RefillInterval, number, number, number]> = [
    // interval, now, period start, next period start
    ['hourly', utc(2031, 1, 6, 12, 34, 56, 789), utc(2031, 1, 6, 12), utc(2031, 1, 6, 13)],
    ['hourly', utc(2031, 1, 6, 13), utc(2031, 1, 6, 13), utc(2031, 1, 6, 14)],
    ['hourly', utc(2031, 1, 6, 12, 59, 59, 999), utc(2031, 1, 6, 12), utc(2031, 1, 6, 13)],
    ['hourly', utc(2031, 12, 31, 23, 30), utc(2031, 12, 31, 23), utc(2032, 1, 1)],
    ['daily', utc(2031, 1, 6, 12, 34), utc(2031, 1, 6), utc(2031, 1, 7)],
    ['daily', utc(2031, 1, 7), utc(2031, 1, 7), utc(2031, 1, 8)],
    ['daily', utc(2031, 1, 6, 23, 59, 59, 999), utc(2031, 1, 6), utc(2031, 1, 7)],
    ['daily', utc(2032, 2, 29, 8), utc(2032, 2, 29), utc(2032, 3, 1)],
    // 2031-01-06 is a Monday.
    ['weekly', utc(2031, 1, 6), utc(2031, 1, 6), utc(2031, 1, 13)],
    ['weekly', utc(2031, 1, 6, 0, 0, 0, 1), utc(2031, 1, 6), utc(2031, 1, 13)],
    ['weekly', utc(2031, 1, 8, 15), utc(2031, 1, 6), utc(2031, 1, 13)],
    ['weekly', utc(2031, 1, 12, 23, 59, 59, 999), utc(2031, 1, 6), utc(2031, 1, 13)], // Sunday
    ['weekly', utc(2031, 1, 5, 23, 59, 59, 999), utc(2030, 12, 30), utc(2031, 1, 6)], // Sunday, across the year
    ['weekly', utc(2032, 3, 1, 10), utc(2032, 3, 1), utc(2032, 3, 8)], // Monday after a leap day
    ['weekly', utc(2032, 2, 29, 10), utc(2032, 2, 23), utc(2032, 3, 1)],
    ['monthly', utc(2031, 1, 31, 23, 59, 59, 999), utc(2031, 1, 1), utc(2031, 2, 1)],
    ['monthly', utc(2031, 2, 1), utc(2031, 2, 1), utc(2031, 3, 1)],
    ['monthly', utc(2031, 2, 15), utc(2031, 2, 1), utc(2031, 3, 1)],
    ['monthly', utc(2032, 2, 29, 12), utc(2032, 2, 1), utc(2032, 3, 1)],
    ['monthly', utc(2031, 12, 31, 18), utc(2031, 12, 1), utc(2032, 1, 1)],
    ['monthly', utc(2031, 4, 30, 23), utc(2031, 4, 1), utc(2031, 5, 1)],
  ];

  const iso = (ms: number) => new Date(ms).toISOString();
  it.each(cases.map(([interval, now, start, next]) => [interval, iso(now), iso(start), iso(next)]))(
    '%s at %s starts at %s and the next period at %s',
    (interval, now, start, next) => {
      expect(iso(periodStart(interval as RefillInterval, Date.parse(now)))).toBe(start);
      expect(iso(nextPeriodStart(interval as RefillInterval, Date.parse(now)))).toBe(next);
    },
  );

  it('weekly periods always start on a Monday at 00:00 UTC, for every day of a year', () => {
    for (let day = 0; day < 366; day++) {
      const now = utc(2031, 1, 1) + day * 86_400_000 + 12_345_678;
      const start = new Date(periodStart('weekly', now));
      expect(start.getUTCDay()).toBe(1);
      expect(start.getUTCHours() + start.getUTCMinutes() + start.getUTCSeconds() + start.getUTCMilliseconds()).toBe(0);
      expect(now - start.getTime()).toBeGreaterThanOrEqual(0);
      expect(now - start.getTime()).toBeLessThan(7 * 86_400_000);
      expect(nextPeriodStart('weekly', now) - start.getTime()).toBe(7 * 86_400_000);
    }
  });

  it.each(['hourly', 'daily', 'weekly', 'monthly'] as RefillInterval[])(
    '%s: now lies in [start, next), the last millisecond belongs to the period and the next period starts at next',
    (interval) => {
      for (const now of [
        utc(2031, 1, 6, 12, 34),
        utc(2031, 2, 28, 23, 59, 59, 999),
        utc(2032, 2, 29, 0, 0, 0, 1),
        utc(2031, 12, 31, 23, 59),
      ]) {
        const start = periodStart(interval, now);
        const next = nextPeriodStart(interval, now);
        expect(start).toBeLessThanOrEqual(now);
        expect(next).toBeGreaterThan(now);
        expect(periodStart(interval, start)).toBe(start);
        expect(periodStart(interval, next - 1)).toBe(start);
        expect(periodStart(interval, next)).toBe(next);
        expect(nextPeriodStart(interval, next - 1)).toBe(next);
      }
    },
  );
});
