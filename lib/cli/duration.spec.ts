import { parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['45s', 45_000],
    ['30m', 30 * 60_000],
    ['12h', 12 * 3_600_000],
    ['90d', 90 * 86_400_000],
    ['2w', 14 * 86_400_000],
    ['999999d', 999_999 * 86_400_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    '',
    '90',
    'd',
    '0d',
    '00d',
    '01d',
    '-1d',
    '+1d',
    '1.5d',
    '1e3d',
    ' 90d',
    '90d ',
    '90 d',
    '90D',
    '90dd',
    '1y',
    '1mo',
    '1000000d',
    '9'.repeat(400) + 'd',
  ])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeNull();
  });

  it('stays linear on long hostile input', () => {
    const started = process.hrtime.bigint();
    expect(parseDuration('1'.repeat(100_000) + 'x')).toBeNull();
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(50);
  });
});
