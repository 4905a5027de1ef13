/**
 * What one instance tells the others after a change committed (SPEC §10): which cached keys
 * must go. Ids only — never a raw key or a hash.
 */
export interface ApiKeysInvalidation {
  /** Keys whose cached rows must be dropped. */
  keyIds: string[];
  /**
   * Drop everything: a role or permission definition changed, an owner's shared limits
   * changed, too many keys changed at once, or messages may have been missed.
   */
  all?: boolean;
  /** Drop the cached NOT_FOUND answers too (a key was imported: its value may have been tried before). */
  notFound?: boolean;
  /** The instance that published it (it has already applied it). Set by the library. */
  origin?: string;
}

/**
 * Carries cache invalidations between the instances of an app (SPEC §10): each instance
 * publishes what its changes invalidated, once they committed, and applies what the others
 * publish. The default is in-process (one instance); `RedisInvalidationBus` uses Redis
 * pub/sub; bring NATS or another broker by implementing these two methods and passing it as
 * `cache: { bus }`. Delivery is best effort: a lost message is bounded by the cache TTL, and a
 * bus that may have missed messages (a reconnect) delivers `{ keyIds: [], all: true }`.
 *
 * @example
 * class NatsInvalidationBus implements ApiKeysInvalidationBus {
 *   constructor(private readonly nats: NatsConnection) {}
 *   async publish(message: ApiKeysInvalidation) { this.nats.publish('api-keys', JSON.stringify(message)); }
 *   subscribe(handler: (message: ApiKeysInvalidation) => void) {
 *     const sub = this.nats.subscribe('api-keys', { callback: (_e, m) => handler(JSON.parse(m.string())) });
 *     return () => sub.unsubscribe();
 *   }
 * }
 */
export interface ApiKeysInvalidationBus {
  /** Sends a message to every instance subscribed (this one may receive it too). May reject; never awaited by a change. */
  publish(message: ApiKeysInvalidation): Promise<void>;
  /** Calls `handler` for every message; answers how to stop (the module calls it at shutdown). */
  subscribe(handler: (message: ApiKeysInvalidation) => void): () => void | Promise<void>;
}

/** DI token of the invalidation bus the key cache uses (the `cache.bus` option, else in-process). */
export const ApiKeysInvalidationBus = Symbol('nest-api-keys:ApiKeysInvalidationBus');

/** The `cache` option (SPEC §10); `cache: false` turns the key cache off. */
export interface ApiKeysCacheOptions {
  /** How long a verified key's row is served from memory. Default 10000 ms. */
  ttlMs?: number;
  /** Rows kept (least recently used go first). Default 10000. */
  maxEntries?: number;
  /** How long a NOT_FOUND answer is remembered. Default 2000 ms. */
  negativeTtlMs?: number;
  /** NOT_FOUND answers kept. Default 10000. */
  negativeMaxEntries?: number;
  /** Carries invalidations between instances. Default in-process; `RedisInvalidationBus` for several instances. */
  bus?: ApiKeysInvalidationBus;
}
