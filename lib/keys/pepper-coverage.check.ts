import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ApiKeyStore } from '../store/api-key.store.js';
import { isStoreUnavailableError } from '../store/store-availability.js';
import { KeyHasher } from './key-hasher.js';

/**
 * Warns once at boot when stored keys use hash versions the configured pepper ring lacks: a
 * host started without the pepper its keys were hashed with would otherwise answer NOT_FOUND
 * for every one of them, with no hint why. Names the versions and how many keys each holds.
 * @internal
 */
@Injectable()
export class PepperCoverageCheck implements OnApplicationBootstrap {
  private readonly logger = new Logger('ApiKeys');

  constructor(
    private readonly store: ApiKeyStore,
    private readonly hasher: KeyHasher,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const known = new Set(this.hasher.knownVersions);
    let counts: Map<string, number>;
    try {
      counts = await this.store.countByHashVersion();
    } catch (error) {
      if (isStoreUnavailableError(error)) return; // the store is down: verifies answer 503, not NOT_FOUND
      throw error;
    }
    const missing = [...counts].filter(([version]) => !known.has(version));
    if (missing.length === 0) return;
    const total = missing.reduce((sum, [, count]) => sum + count, 0);
    this.logger.warn(
      `${total} stored key(s) use hash version(s) the configured pepper lacks: ${missing.map(([v, n]) => `'${v}' (${n})`).join(', ')}. ` +
        `They answer NOT_FOUND until pepper.secrets holds ${missing.length > 1 ? 'those ids' : 'that id'} again (configured: ${[...known].join(', ')}).`,
    );
  }
}
