import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { ApiKeyChangeHook, RecordedChange } from '../interfaces/api-key-change.interface.js';
import { ApiKeysInvalidationBus, type ApiKeysInvalidation } from '../interfaces/invalidation-bus.interface.js';
import { API_KEYS_KEY_CACHE, type ApiKeyCache } from './api-key-cache.js';
import { checkedInvalidation, forBus, invalidationOf } from './invalidation-message.js';

/**
 * Cache invalidation as an after-commit step of the change pipeline (SPEC §10): what a change
 * invalidated leaves this instance's cache before the change returns to its caller, then goes
 * to the other instances over the bus — not awaited, so a slow or down bus never holds or
 * fails a change (a failure is logged once per outage; the TTL bounds what the others miss).
 * Messages from the bus are applied here unless this instance sent them.
 * @internal
 */
@Injectable()
export class CacheInvalidationHook implements ApiKeyChangeHook, OnModuleInit, OnModuleDestroy {
  /** Tells this instance's messages from the others'. */
  private readonly origin = randomUUID();
  private readonly logger = new Logger('ApiKeys');
  private readonly publishing = new Set<Promise<void>>();
  private unsubscribe: (() => void | Promise<void>) | undefined;
  private publishFailing = false;

  constructor(
    @Inject(API_KEYS_KEY_CACHE) private readonly cache: ApiKeyCache | null,
    @Inject(ApiKeysInvalidationBus) private readonly bus: ApiKeysInvalidationBus,
  ) {}

  onModuleInit(): void {
    if (this.cache) this.unsubscribe = this.bus.subscribe((message) => this.receive(message));
  }

  /** Lets the publishes in flight finish (each is bounded by the bus), then leaves the bus. */
  async onModuleDestroy(): Promise<void> {
    await Promise.allSettled([...this.publishing]);
    await this.unsubscribe?.();
  }

  afterCommit(changes: readonly RecordedChange[]): void {
    if (!this.cache) return;
    const invalidation = invalidationOf(changes);
    if (!invalidation) return;
    this.cache.apply(invalidation);
    this.publish(forBus(invalidation, this.origin));
  }

  private receive(value: ApiKeysInvalidation): void {
    const { message } = checkedInvalidation(value);
    if (message.origin === this.origin) return;
    this.cache!.apply(message);
  }

  private publish(message: ApiKeysInvalidation): void {
    let sent: Promise<void>;
    try {
      sent = Promise.resolve(this.bus.publish(message));
    } catch (error) {
      sent = Promise.reject(error);
    }
    const tracked = sent.then(
      () => {
        if (!this.publishFailing) return;
        this.publishFailing = false;
        this.logger.log('Invalidation bus: publishing again.');
      },
      (error: unknown) => {
        if (this.publishFailing) return;
        this.publishFailing = true;
        this.logger.warn(
          `Invalidation bus: could not publish (${(error as Error)?.message ?? error}); other instances see changes when their cached rows expire (logged once per outage).`,
        );
      },
    );
    this.publishing.add(tracked);
    void tracked.finally(() => this.publishing.delete(tracked));
  }
}
