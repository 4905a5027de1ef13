import { Inject, Injectable } from '@nestjs/common';
import { API_KEYS_RESOLVED_OPTIONS } from '../api-keys.internal-constants.js';
import type { ResolvedApiKeysOptions } from '../api-keys.options.js';
import type { ApiKeyEntity } from '../entities/api-key.entity.js';
import type { ApiKey } from '../interfaces/api-key.interface.js';
import { toApiKey } from './api-key.view.js';
import { LastUsedTracker } from './last-used-tracker.js';

/**
 * Shapes stored rows for callers (never the hash), with this instance's unwritten last use, so
 * every service answers a key the same way.
 * @internal
 */
@Injectable()
export class ApiKeyViews {
  constructor(
    private readonly lastUsed: LastUsedTracker,
    @Inject(API_KEYS_RESOLVED_OPTIONS) private readonly options: ResolvedApiKeysOptions,
  ) {}

  of(key: ApiKeyEntity): ApiKey {
    return toApiKey(key, this.options.clock.now(), this.lastUsed.pendingFor(key.id));
  }
}
