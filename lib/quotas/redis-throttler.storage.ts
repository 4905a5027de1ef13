import type { RateLimitStorage, RateLimitStorageRecord } from '../interfaces/quota.interface.js';
import { StoreUnavailableError } from '../api-keys.errors.js';
import { withStoreDeadline } from '../store/store-availability.js';

/**
 * One atomic step per increment, with `@nestjs/throttler`'s storage semantics: count the hit
 * in a fixed window (the first hit sets its expiry); past the limit the call is blocked —
 * for `blockDuration` when one is given (calls during the block are not counted, and the
 * count restarts when the block ends), else for the rest of the window. Answers
 * `{ hits, windowTtl, blocked, blockTtl }` in ms. Times are Redis's own, so every instance agrees.
 */
const INCREMENT_SCRIPT = `
local limit = tonumber(ARGV[2])
local blockMs = tonumber(ARGV[3])
local blockTtl = redis.call('PTTL', KEYS[2])
if blockTtl > 0 then
  local hits = tonumber(redis.call('GET', KEYS[1])) or (limit + 1)
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl < 0 then ttl = blockTtl end
  return { hits, ttl, 1, blockTtl }
end
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
if hits <= limit then return { hits, ttl, 0, 0 } end
if blockMs > 0 then
  redis.call('SET', KEYS[2], '1', 'PX', blockMs)
  redis.call('PEXPIRE', KEYS[1], blockMs)
  return { hits, blockMs, 1, blockMs }
end
return { hits, ttl, 1, ttl }
`;

/**
 * The one Redis command the storage uses. An ioredis `Redis` or `Cluster` client fits; typed
 * structurally so that hosts without ioredis (an optional peer) still type-check.
 */
export interface RedisScriptClient {
  eval(script: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
}

export interface RedisThrottlerStorageOptions {
  /** Prefix of every Redis key. Default `'api-keys:rl:'`. */
  prefix?: string;
  /**
   * An increment slower than this fails (the guard answers 503 STORE_UNAVAILABLE). Default
   * 250 ms: a hung or stopped Redis answers 503 within 300 ms (a healthy one answers in well
   * under a millisecond on a LAN).
   */
  timeoutMs?: number;
}

/**
 * Rate-limit counters in Redis for several app instances: one atomic Lua script per
 * increment, bounded by a timeout so a stopped Redis cannot hold requests. Implements
 * `@nestjs/throttler`'s `ThrottlerStorage`, so it also serves the host's ThrottlerModule.
 * `ioredis` is an optional peer dependency; pass your client.
 *
 * @example
 * const redis = new Redis({ host: '127.0.0.1', enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 250 });
 * ApiKeysModule.forRoot({ rateLimitStorage: new RedisThrottlerStorage(redis) })
 */
export class RedisThrottlerStorage implements RateLimitStorage {
  private readonly prefix: string;
  private readonly timeoutMs: number;

  constructor(
    private readonly redis: RedisScriptClient,
    options: RedisThrottlerStorageOptions = {},
  ) {
    this.prefix = options.prefix ?? 'api-keys:rl:';
    this.timeoutMs = options.timeoutMs ?? 250;
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<RateLimitStorageRecord> {
    // The name is encoded (no `:` left in it), so the first `:` after it ends it: no two
    // (throttler, key) pairs share a counter.
    const counterKey = `${this.prefix}${encodeURIComponent(throttlerName)}:${key}`;
    let reply: unknown;
    try {
      reply = await withStoreDeadline(
        () => this.redis.eval(INCREMENT_SCRIPT, 2, counterKey, `${counterKey}:block`, ttl, limit, blockDuration),
        this.timeoutMs,
      );
    } catch (error) {
      // Any Redis failure means the counters cannot be trusted: fail closed (503), never open.
      if (error instanceof StoreUnavailableError) throw error;
      throw new StoreUnavailableError(`Redis: ${(error as Error).message}`);
    }
    const [hits, ttlMs, blocked, blockMs] = (reply as unknown[]).map(Number);
    return {
      totalHits: hits,
      timeToExpire: Math.ceil(ttlMs / 1000),
      isBlocked: blocked === 1,
      timeToBlockExpire: blocked === 1 ? Math.max(1, Math.ceil(blockMs / 1000)) : 0,
    };
  }
}
