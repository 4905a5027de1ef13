import { resolveOptions } from './api-keys.options.js';

describe('resolveOptions', () => {
  it('fills in the defaults', () => {
    const resolved = resolveOptions({});
    expect(resolved).toMatchObject({
      keyPrefix: 'sk',
      keyBytes: 32,
      lastUsedWriteIntervalMs: 60_000,
      storeTimeoutMs: 1000,
      defaultRateLimits: [],
      failedAttempts: { limit: 30, windowMs: 60_000 },
      sources: [{ in: 'header', name: 'x-api-key' }, { in: 'bearer' }],
    });
  });

  it('fails at boot on an unknown or not yet supported option, never silently ignoring it', () => {
    expect(() => resolveOptions({ notAnOption: 1, alsoNotOne: {} } as never)).toThrow(/notAnOption, alsoNotOne/);
  });

  it('accepts the structural options riding along in forRoot', () => {
    expect(() => resolveOptions({ isGlobal: false, dataSource: 'keys', globalGuard: true, admin: false } as never)).not.toThrow();
  });

  it('refuses structural options that came from a forRootAsync factory, saying where they go', () => {
    expect(() => resolveOptions({ globalGuard: true } as never, { fromFactory: true })).toThrow(
      /globalGuard came from the forRootAsync factory.*next to useFactory/,
    );
    expect(() => resolveOptions({ keyPrefix: 'sk_live' }, { fromFactory: true })).not.toThrow();
  });

  it('refuses values that cannot work', () => {
    expect(() => resolveOptions({ keyPrefix: 'Bad-Prefix' })).toThrow(/keyPrefix/);
    expect(() => resolveOptions({ keyBytes: 8 })).toThrow(/keyBytes/);
    expect(() => resolveOptions({ storeTimeoutMs: 0 })).toThrow(/storeTimeoutMs/);
    expect(() => resolveOptions({ failedAttempts: { limit: -1 } })).toThrow(/failedAttempts.limit/);
    expect(() => resolveOptions({ defaultRateLimits: [{ name: 'x', limit: 0, windowMs: 1000 }] })).toThrow(/limit/);
  });

  it('takes maxKeysPerOwner as a positive integer, and nothing else', () => {
    expect(resolveOptions({}).maxKeysPerOwner).toBeNull();
    expect(resolveOptions({ maxKeysPerOwner: 1 }).maxKeysPerOwner).toBe(1);
    expect(resolveOptions({ maxKeysPerOwner: 10_000 }).maxKeysPerOwner).toBe(10_000);
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, '5', true, {}]) {
      expect(() => resolveOptions({ maxKeysPerOwner: bad as never })).toThrow(/maxKeysPerOwner must be a positive integer/);
    }
  });
});
