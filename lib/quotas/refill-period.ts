import type { RefillInterval } from '../interfaces/quota.interface.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Start of the UTC calendar period holding `now` (SPEC §11): hourly at the top of the hour,
 * daily at 00:00, weekly on Monday 00:00, monthly on the 1st at 00:00.
 */
export function periodStart(interval: RefillInterval, now: number): number {
  switch (interval) {
    case 'hourly':
      return now - (((now % HOUR) + HOUR) % HOUR);
    case 'daily':
      return now - (((now % DAY) + DAY) % DAY);
    case 'weekly': {
      const day = periodStart('daily', now);
      const weekday = (new Date(day).getUTCDay() + 6) % 7; // Monday = 0
      return day - weekday * DAY;
    }
    case 'monthly': {
      const date = new Date(now);
      return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
    }
  }
}

/** Start of the period after the one holding `now`. */
export function nextPeriodStart(interval: RefillInterval, now: number): number {
  switch (interval) {
    case 'hourly':
      return periodStart('hourly', now) + HOUR;
    case 'daily':
      return periodStart('daily', now) + DAY;
    case 'weekly':
      return periodStart('weekly', now) + 7 * DAY;
    case 'monthly': {
      const date = new Date(now);
      return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
    }
  }
}
