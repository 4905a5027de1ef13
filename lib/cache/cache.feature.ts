import type { ApiKeysFeature } from '../api-keys.feature.js';
import { ApiKeysInvalidationBus } from '../interfaces/invalidation-bus.interface.js';
import { CacheInvalidationHook } from './cache-invalidation.hook.js';
import { CACHE_PROVIDERS } from './cache.providers.js';

/**
 * The verified-key cache and its invalidation across instances (SPEC §10): it decorates the
 * ApiKeyLookup the verifier reads through, and evicts after every committed change.
 * @internal
 */
export const cacheFeature: ApiKeysFeature = {
  name: 'cache',
  providers: CACHE_PROVIDERS,
  exports: [ApiKeysInvalidationBus],
  changeHooks: [CacheInvalidationHook],
  options: ['cache'],
};
