import { resolveOptions } from '../api-keys.options.js';
import { resolveVerificationLogOptions, VERIFICATION_LOG_DEFAULTS } from './usage.options.js';

describe('verificationLog option', () => {
  it('defaults to on, flushed every second, 10,000 buffered entries, 90 days', () => {
    expect(resolveVerificationLogOptions(undefined)).toEqual({
      enabled: true,
      flushIntervalMs: 1000,
      maxBuffer: 10_000,
      retentionDays: 90,
    });
    expect(resolveOptions({}).verificationLog).toEqual(VERIFICATION_LOG_DEFAULTS);
    expect(resolveOptions({ verificationLog: { enabled: false, retentionDays: 7 } }).verificationLog).toEqual({
      ...VERIFICATION_LOG_DEFAULTS,
      enabled: false,
      retentionDays: 7,
    });
  });

  it.each([
    [null, /must be an object/],
    [false, /must be an object/],
    [[], /must be an object/],
    [{ enable: false }, /unknown field\(s\) enable/],
    [{ enabled: 'no' }, /enabled must be true or false/],
    [{ flushIntervalMs: 0 }, /flushIntervalMs must be an integer from 10 to 3600000/],
    [{ flushIntervalMs: 5 }, /flushIntervalMs/],
    [{ flushIntervalMs: 1.5e7 }, /flushIntervalMs/],
    [{ flushIntervalMs: '1000' }, /flushIntervalMs/],
    [{ maxBuffer: 0 }, /maxBuffer must be an integer from 1 to 1000000/],
    [{ maxBuffer: 2.5 }, /maxBuffer/],
    [{ retentionDays: 0 }, /retentionDays must be an integer from 1 to 3650/],
    [{ retentionDays: Infinity }, /retentionDays/],
  ])('fails the boot on %p, saying what is wrong', (value, message) => {
    expect(() => resolveOptions({ verificationLog: value as never })).toThrow(message);
  });
});
