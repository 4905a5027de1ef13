import { Logger } from '@nestjs/common';
import type { ApiKeysInvalidation, ApiKeysInvalidationBus } from '../interfaces/invalidation-bus.interface.js';

/**
 * The default invalidation bus: delivers within this process only, synchronously. One app
 * instance needs nothing more (its own changes evict its cache directly); two modules in one
 * process can share one instance of it. For several processes use `RedisInvalidationBus`.
 *
 * @example
 * const bus = new InProcessInvalidationBus();
 * ApiKeysModule.forRoot({ cache: { bus } })
 */
export class InProcessInvalidationBus implements ApiKeysInvalidationBus {
  private readonly handlers = new Set<(message: ApiKeysInvalidation) => void>();
  private readonly logger = new Logger('ApiKeys');

  async publish(message: ApiKeysInvalidation): Promise<void> {
    for (const handler of [...this.handlers]) {
      try {
        handler(message);
      } catch (error) {
        this.logger.warn(`An invalidation handler threw: ${(error as Error).message}`);
      }
    }
  }

  subscribe(handler: (message: ApiKeysInvalidation) => void): () => void {
    this.handlers.add(handler);
    return () => void this.handlers.delete(handler);
  }
}
