import { resolveOptions } from '../api-keys.options.js';
import { InProcessInvalidationBus } from './in-process-invalidation.bus.js';

describe('the cache option', () => {
  it('is on by default with the SPEC §10 defaults', () => {
    expect(resolveOptions({}).cache).toEqual({ ttlMs: 10_000, maxEntries: 10_000, negativeTtlMs: 2_000, negativeMaxEntries: 10_000 });
  });

  it('false turns it off; fields override one at a time; a bus is kept', () => {
    expect(resolveOptions({ cache: false }).cache).toBe(false);
    const bus = new InProcessInvalidationBus();
    expect(resolveOptions({ cache: { ttlMs: 500, bus } }).cache).toEqual({
      ttlMs: 500,
      maxEntries: 10_000,
      negativeTtlMs: 2_000,
      negativeMaxEntries: 10_000,
      bus,
    });
  });

  it.each([
    [{ ttlMs: 0 }, /cache\.ttlMs must be a positive integer/],
    [{ maxEntries: -1 }, /cache\.maxEntries/],
    [{ negativeTtlMs: 1.5 }, /cache\.negativeTtlMs/],
    [{ negativeMaxEntries: Number.POSITIVE_INFINITY }, /cache\.negativeMaxEntries/],
    [{ ttlMs: '1000' }, /cache\.ttlMs/],
    [{ maxEntry: 5 }, /unknown cache option\(s\): maxEntry/],
    [{ bus: {} }, /cache\.bus must implement ApiKeysInvalidationBus/],
    [{ bus: { publish: () => undefined } }, /cache\.bus/],
    [true, /cache must be false or an object/],
    [[], /cache must be false or an object/],
  ])('refuses %p at boot', (cache, message) => {
    expect(() => resolveOptions({ cache: cache as never })).toThrow(message);
  });
});
