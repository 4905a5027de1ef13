import type { Provider } from '@nestjs/common';
import { API_KEYS_RESOLVED_OPTIONS } from '../api-keys.internal-constants.js';
import type { ResolvedApiKeysOptions } from '../api-keys.options.js';
import { ApiKeysInvalidationBus } from '../interfaces/invalidation-bus.interface.js';
import { LastUsedTracker } from '../keys/last-used-tracker.js';
import { ApiKeyLookup } from '../store/api-key-lookup.js';
import { ApiKeyStore } from '../store/api-key.store.js';
import { API_KEYS_KEY_CACHE, ApiKeyCache } from './api-key-cache.js';
import { CacheInvalidationHook } from './cache-invalidation.hook.js';
import { InProcessInvalidationBus } from './in-process-invalidation.bus.js';

/** The key cache, the bus, and the cache in front of the store as the verifier's ApiKeyLookup. @internal */
export const CACHE_PROVIDERS: Provider[] = [
  {
    provide: ApiKeysInvalidationBus,
    useFactory: (options: ResolvedApiKeysOptions) => (options.cache && options.cache.bus) || new InProcessInvalidationBus(),
    inject: [API_KEYS_RESOLVED_OPTIONS],
  },
  {
    provide: API_KEYS_KEY_CACHE,
    useFactory: (options: ResolvedApiKeysOptions, store: ApiKeyStore, lastUsed: LastUsedTracker) => {
      if (!options.cache) return null;
      const cache = new ApiKeyCache(store, options.cache, options.clock);
      lastUsed.onWritten((ids) => cache.lastUsedWritten(ids));
      return cache;
    },
    inject: [API_KEYS_RESOLVED_OPTIONS, ApiKeyStore, LastUsedTracker],
  },
  // Replaces the keys feature's `useExisting: ApiKeyStore` (this feature comes later in FEATURES).
  {
    provide: ApiKeyLookup,
    useFactory: (cache: ApiKeyCache | null, store: ApiKeyStore) => cache ?? store,
    inject: [API_KEYS_KEY_CACHE, ApiKeyStore],
  },
  CacheInvalidationHook,
];
