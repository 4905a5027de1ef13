import type { Redis } from 'ioredis';
import type { RateLimitStorage, RateLimitStorageRecord } from '../interfaces/quota.interface.js';
import { StoreUnavailableError } from '../api-keys.errors.js';
import { withStoreDeadline } from '../store/store-availability.js';

/**
 * One atomic step per increment: count the hit in a fixed window (the first hit sets its
 * expiry), start a block when the limit is passed and `blockDuration` asks for one, and
 * answer the window's state. Times are Redis's own, so every instance agrees.
 */
const INCREMENT_SCRIPT = `
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
local blockTtl = redis.call('PTTL', KEYS[2])
if blockTtl < 0 and hits > tonumber(ARGV[2]) and tonumber(ARGV[3]) > 0 then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  blockTtl = tonumber(ARGV[3])
end
return { hits, ttl, blockTtl }
`;

export interface RedisThrottlerStorageOptions {
  /** Prefix of every Redis key. Default `'api-keys:rl:'`. */
  prefix?: string;
  /** An increment slower than this fails (the guard answers 503). Default 500 ms. */
  timeoutMs?: number;
}

/**
 * Rate-limit counters in Redis for several app instances: one atomic Lua script per
 * increment, bounded by a timeout so a stopped Redis cannot hold requests. Implements
 * `@nestjs/throttler`'s `ThrottlerStorage`, so it also serves the host's ThrottlerModule.
 * `ioredis` is an optional peer dependency; pass your client.
 *
 * @example
 * const redis = new Redis({ host: '127.0.0.1', maxRetriesPerRequest: 1, commandTimeout: 500 });
 * ApiKeysModule.forRoot({ rateLimitStorage: new RedisThrottlerStorage(redis) })
 */
export class RedisThrottlerStorage implements RateLimitStorage {
  private readonly prefix: string;
  private readonly timeoutMs: number;

  constructor(
    private readonly redis: Redis,
    options: RedisThrottlerStorageOptions = {},
  ) {
    this.prefix = options.prefix ?? 'api-keys:rl:';
    this.timeoutMs = options.timeoutMs ?? 500;
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<RateLimitStorageRecord> {
    const counterKey = `${this.prefix}${throttlerName}:${key}`;
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
    const [hits, ttlMs, blockMs] = (reply as unknown[]).map(Number);
    return {
      totalHits: hits,
      timeToExpire: Math.ceil(ttlMs / 1000),
      isBlocked: blockMs > 0,
      timeToBlockExpire: blockMs > 0 ? Math.ceil(blockMs / 1000) : 0,
    };
  }
}
