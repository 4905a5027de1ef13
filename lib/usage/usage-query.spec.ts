import { ApiKeyValidationError } from '../api-keys.errors.js';
import { bucketStarts, checkLimit, fillBuckets, hourPeriod, timeOf } from './usage-query.js';

const H = 3_600_000;
const D = 24 * H;
const T = Date.UTC(2031, 2, 3, 22, 30);

function fieldOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof ApiKeyValidationError) return error.errors[0].field;
    throw error;
  }
  return undefined;
}

describe('usage periods', () => {
  it('takes Dates, ISO strings and epoch ms, and refuses anything else as a field error', () => {
    expect(timeOf('since', new Date(T))).toBe(T);
    expect(timeOf('since', new Date(T).toISOString())).toBe(T);
    expect(timeOf('since', T)).toBe(T);
    expect(timeOf('since', undefined)).toBeUndefined();
    for (const bad of ['yesterday', '', NaN, Infinity, -1, 9e15, {} as never, null as never]) {
      expect(fieldOf(() => timeOf('since', bad))).toBe('since');
    }
  });

  it('has a bucket from the one holding `since` while it starts before `until`', () => {
    expect(bucketStarts('hour', T, T + 2 * H)).toEqual({
      starts: [T - 30 * 60_000, T + 30 * 60_000, T + 90 * 60_000],
      from: T - 30 * 60_000,
      to: T + 150 * 60_000,
    });
    const day = bucketStarts('day', T, T + D);
    expect(day.starts.map((s) => new Date(s).toISOString())).toEqual(['2031-03-03T00:00:00.000Z', '2031-03-04T00:00:00.000Z']);
  });

  it('refuses an empty or reversed period, and more than 744 hours or 366 days', () => {
    expect(fieldOf(() => bucketStarts('hour', T, T))).toBe('since');
    expect(fieldOf(() => bucketStarts('hour', T, T - 1))).toBe('since');
    const from = Date.UTC(2031, 0, 1);
    expect(bucketStarts('hour', from, from + 31 * D).starts).toHaveLength(744);
    expect(fieldOf(() => bucketStarts('hour', from, from + 31 * D + 1))).toBe('since');
    expect(bucketStarts('day', from, from + 366 * D).starts).toHaveLength(366);
    expect(fieldOf(() => bucketStarts('day', from, from + 367 * D))).toBe('since');
  });

  it('widens a stats period to whole hours, at most 366 days', () => {
    expect(hourPeriod(T, T + 1)).toEqual({ from: T - 30 * 60_000, to: T + 30 * 60_000 });
    expect(hourPeriod(T - 30 * 60_000, T + 30 * 60_000)).toEqual({ from: T - 30 * 60_000, to: T + 30 * 60_000 });
    expect(fieldOf(() => hourPeriod(T, T - 5))).toBe('since');
    expect(fieldOf(() => hourPeriod(T - 367 * D, T))).toBe('since');
  });

  it('takes a limit from 1 to 100', () => {
    expect(checkLimit(undefined, 20)).toBe(20);
    expect(checkLimit(100, 20)).toBe(100);
    for (const bad of [0, 101, 1.5, '5', NaN]) expect(fieldOf(() => checkLimit(bad, 20))).toBe('limit');
  });
});

describe('fillBuckets', () => {
  it('answers every bucket, zeros where nothing was counted, codes in verify order', () => {
    const starts = [0, H, 2 * H];
    const buckets = fillBuckets(starts, [
      { bucket: H, code: 'VALID', count: 3, spent: 6 },
      { bucket: H, code: 'REVOKED', count: 1, spent: 0 },
      { bucket: 7 * H, code: 'VALID', count: 9, spent: 9 }, // outside the period: ignored
    ]);
    expect(buckets).toEqual([
      { at: '1970-01-01T00:00:00.000Z', total: 0, valid: 0, byCode: {}, spent: 0 },
      { at: '1970-01-01T01:00:00.000Z', total: 4, valid: 3, byCode: { REVOKED: 1, VALID: 3 }, spent: 6 },
      { at: '1970-01-01T02:00:00.000Z', total: 0, valid: 0, byCode: {}, spent: 0 },
    ]);
    expect(Object.keys(buckets[1].byCode)).toEqual(['REVOKED', 'VALID']);
  });
});
