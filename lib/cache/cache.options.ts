import type { ApiKeysCacheOptions, ApiKeysInvalidationBus } from '../interfaces/invalidation-bus.interface.js';

/** SPEC §10 defaults. */
export const CACHE_DEFAULTS = { ttlMs: 10_000, maxEntries: 10_000, negativeTtlMs: 2_000, negativeMaxEntries: 10_000 } as const;

/** The `cache` option with its defaults filled in; `false` when the cache is off. @internal */
export interface ResolvedCacheOptions {
  ttlMs: number;
  maxEntries: number;
  negativeTtlMs: number;
  negativeMaxEntries: number;
  /** The host's bus, or undefined for the in-process default. */
  bus?: ApiKeysInvalidationBus;
}

const KNOWN = new Set(['ttlMs', 'maxEntries', 'negativeTtlMs', 'negativeMaxEntries', 'bus']);

/**
 * Checks the `cache` option at boot: `false`, or an object of the fields above, each a
 * positive integer, and a bus with `publish` and `subscribe`. Anything else fails the boot
 * naming the field. @internal
 */
export function resolveCacheOptions(value: ApiKeysCacheOptions | false | undefined): ResolvedCacheOptions | false {
  if (value === false) return false;
  if (value === undefined || value === null) return { ...CACHE_DEFAULTS };
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new Error('nest-api-keys: cache must be false or an object { ttlMs?, maxEntries?, negativeTtlMs?, negativeMaxEntries?, bus? }.');
  }
  const unknown = Object.keys(value).filter((name) => !KNOWN.has(name));
  if (unknown.length > 0) {
    throw new Error(`nest-api-keys: unknown cache option(s): ${unknown.join(', ')} (known: ${[...KNOWN].join(', ')}).`);
  }
  const integer = (name: keyof typeof CACHE_DEFAULTS) => {
    const resolved = value[name] ?? CACHE_DEFAULTS[name];
    if (!Number.isSafeInteger(resolved) || resolved <= 0) {
      throw new Error(`nest-api-keys: cache.${name} must be a positive integer (got ${String(value[name])}).`);
    }
    return resolved;
  };
  const bus = value.bus;
  if (bus !== undefined && (typeof bus?.publish !== 'function' || typeof bus?.subscribe !== 'function')) {
    throw new Error(
      'nest-api-keys: cache.bus must implement ApiKeysInvalidationBus (publish and subscribe), e.g. new RedisInvalidationBus(redis).',
    );
  }
  return {
    ttlMs: integer('ttlMs'),
    maxEntries: integer('maxEntries'),
    negativeTtlMs: integer('negativeTtlMs'),
    negativeMaxEntries: integer('negativeMaxEntries'),
    ...(bus ? { bus } : {}),
  };
}
