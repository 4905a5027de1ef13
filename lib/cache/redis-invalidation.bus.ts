import { Logger } from '@nestjs/common';
import type { ApiKeysInvalidation, ApiKeysInvalidationBus } from '../interfaces/invalidation-bus.interface.js';
import { decodeInvalidation, encodeInvalidation } from './invalidation-message.js';

/** The default Redis channel of invalidations. */
export const DEFAULT_INVALIDATION_CHANNEL = 'nest-api-keys:invalidate';

/**
 * The subscriber connection RedisInvalidationBus makes with `duplicate()`: what it uses of an
 * ioredis `Redis` (5 or 6), typed structurally so that hosts without ioredis still type-check.
 */
export interface RedisInvalidationSubscriber {
  readonly status: string;
  subscribe(channel: string): Promise<unknown>;
  ping(): Promise<unknown>;
  on(event: string, listener: (...args: any[]) => void): unknown;
  quit(): Promise<unknown>;
  disconnect(reconnect?: boolean): void;
}

/** The host's ioredis client, as RedisInvalidationBus uses it: publish, and a duplicate to subscribe on. */
export interface RedisInvalidationClient {
  publish(channel: string, message: string): Promise<unknown>;
  duplicate(override?: any): RedisInvalidationSubscriber;
}

export interface RedisInvalidationBusOptions {
  /** The pub/sub channel; every instance of one app uses the same. Default `'nest-api-keys:invalidate'`. */
  channel?: string;
  /** A publish, a subscribe or a heartbeat slower than this fails. Default 1000 ms. */
  timeoutMs?: number;
  /** The subscriber connection is pinged this often; a ping that fails reconnects it. Default 5000 ms. */
  heartbeatMs?: number;
}

/**
 * Cache invalidation over Redis pub/sub (SPEC §10), for several app instances: publishes on the
 * host's client, subscribes on a duplicate connection of its own (a subscribed connection can
 * do nothing else). Every call is bounded by `timeoutMs`; the subscriber reconnects forever
 * (with a backoff up to 2 s), and a ping every `heartbeatMs` notices a connection that hangs
 * without closing. After every (re)subscription it delivers `{ keyIds: [], all: true }`:
 * messages sent while it was away are lost, so the cache starts over. While it is away, the
 * cache TTL bounds how long another instance's revocation can go unseen.
 * Recommended client settings: `enableOfflineQueue: false` and a `commandTimeout`, so a
 * publish fails at once while Redis is down (a failure is logged once per outage and never
 * fails the change that published it).
 *
 * @example
 * const redis = new Redis({ host: 'redis', enableOfflineQueue: false, commandTimeout: 500, maxRetriesPerRequest: 1 });
 * ApiKeysModule.forRoot({ cache: { bus: new RedisInvalidationBus(redis) }, rateLimitStorage: new RedisThrottlerStorage(redis) })
 */
export class RedisInvalidationBus implements ApiKeysInvalidationBus {
  readonly channel: string;
  private readonly timeoutMs: number;
  private readonly heartbeatMs: number;
  private readonly handlers = new Set<(message: ApiKeysInvalidation) => void>();
  private readonly logger = new Logger('ApiKeys');
  private subscriber: RedisInvalidationSubscriber | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  /** Whether the subscription is live; the first loss after it was is logged. */
  private subscribed = false;
  private everSubscribed = false;
  private errorLogged = false;
  private malformedLogged = false;

  constructor(
    private readonly redis: RedisInvalidationClient,
    options: RedisInvalidationBusOptions = {},
  ) {
    if (typeof redis?.publish !== 'function' || typeof redis?.duplicate !== 'function') {
      throw new Error('nest-api-keys: RedisInvalidationBus takes an ioredis client (new Redis(...)).');
    }
    this.channel = options.channel ?? DEFAULT_INVALIDATION_CHANNEL;
    if (typeof this.channel !== 'string' || this.channel.length === 0) {
      throw new Error('nest-api-keys: RedisInvalidationBus channel must be a non-empty string.');
    }
    this.timeoutMs = positive('timeoutMs', options.timeoutMs, 1000);
    this.heartbeatMs = positive('heartbeatMs', options.heartbeatMs, 5000);
  }

  /** Whether the subscription is live right now. */
  get isSubscribed(): boolean {
    return this.subscribed;
  }

  async publish(message: ApiKeysInvalidation): Promise<void> {
    await withTimeout(this.redis.publish(this.channel, encodeInvalidation(message)), this.timeoutMs, 'publish');
  }

  subscribe(handler: (message: ApiKeysInvalidation) => void): () => Promise<void> {
    this.handlers.add(handler);
    if (!this.subscriber) this.connect();
    return async () => {
      this.handlers.delete(handler);
      if (this.handlers.size === 0) await this.disconnect();
    };
  }

  private connect(): void {
    const subscriber = this.redis.duplicate({
      // Subscribed here, on every 'ready', so that a resubscription is known and clears the cache.
      autoResubscribe: false,
      enableOfflineQueue: false,
      lazyConnect: false,
      connectTimeout: Math.max(this.timeoutMs, 1000),
      retryStrategy: (times: number) => Math.min(times * 100, 2000),
      maxRetriesPerRequest: 1,
    });
    this.subscriber = subscriber;
    subscriber.on('ready', () => void this.onReady(subscriber));
    subscriber.on('message', (channel: string, payload: string) => {
      if (channel === this.channel) this.onMessage(payload);
    });
    subscriber.on('close', () => this.onLost(subscriber, 'the connection closed'));
    subscriber.on('error', (error: Error) => {
      if (this.errorLogged) return;
      this.errorLogged = true;
      this.logger.warn(`Invalidation bus: Redis error (${error.message}); retrying.`);
    });
    this.heartbeat = setInterval(() => void this.ping(subscriber), this.heartbeatMs);
    this.heartbeat.unref();
  }

  private async onReady(subscriber: RedisInvalidationSubscriber): Promise<void> {
    try {
      await withTimeout(subscriber.subscribe(this.channel), this.timeoutMs, 'subscribe');
    } catch (error) {
      if (this.subscriber !== subscriber) return;
      this.logger.warn(`Invalidation bus: could not subscribe (${(error as Error).message}); reconnecting.`);
      subscriber.disconnect(true);
      return;
    }
    if (this.subscriber !== subscriber) return;
    this.subscribed = true;
    this.errorLogged = false;
    if (this.everSubscribed)
      this.logger.log('Invalidation bus: subscribed again; the key cache starts over (messages may have been missed).');
    this.everSubscribed = true;
    // Whatever was published before this subscription existed is lost: start over.
    this.deliver({ keyIds: [], all: true });
  }

  private onLost(subscriber: RedisInvalidationSubscriber, why: string): void {
    if (this.subscriber !== subscriber || !this.subscribed) return;
    this.subscribed = false;
    this.logger.warn(`Invalidation bus: ${why}; cached keys expire by their TTL until it is back.`);
  }

  private async ping(subscriber: RedisInvalidationSubscriber): Promise<void> {
    if (this.subscriber !== subscriber || !this.subscribed) return;
    try {
      await withTimeout(subscriber.ping(), this.timeoutMs, 'ping');
    } catch {
      if (this.subscriber !== subscriber) return;
      this.onLost(subscriber, `no answer to a ping within ${this.timeoutMs} ms`);
      subscriber.disconnect(true);
    }
  }

  private onMessage(payload: string): void {
    const { message, valid } = decodeInvalidation(payload);
    if (!valid && !this.malformedLogged) {
      this.malformedLogged = true;
      this.logger.warn(`Invalidation bus: a malformed message on ${this.channel}; cleared the key cache (logged once).`);
    }
    this.deliver(message);
  }

  private deliver(message: ApiKeysInvalidation): void {
    for (const handler of [...this.handlers]) {
      try {
        handler(message);
      } catch (error) {
        this.logger.warn(`An invalidation handler threw: ${(error as Error).message}`);
      }
    }
  }

  private async disconnect(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    this.subscribed = false;
    clearInterval(this.heartbeat);
    if (!subscriber) return;
    try {
      if (subscriber.status === 'ready') await withTimeout(subscriber.quit(), this.timeoutMs, 'quit');
    } catch {
      // disconnected below either way
    } finally {
      subscriber.disconnect();
    }
  }
}

function positive(name: string, value: number | undefined, fallback: number): number {
  const resolved = value ?? fallback;
  if (!Number.isFinite(resolved) || resolved <= 0)
    throw new Error(`nest-api-keys: RedisInvalidationBus ${name} must be a positive number.`);
  return resolved;
}

function withTimeout<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis ${what}: no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
