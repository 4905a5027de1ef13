import type { Provider } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { API_KEYS_DATA_SOURCE, API_KEYS_RESOLVED_OPTIONS } from '../api-keys.internal-constants.js';
import type { ResolvedApiKeysOptions } from '../api-keys.options.js';
import { ApiKeyLookup } from '../store/api-key-lookup.js';
import { ApiKeyStore } from '../store/api-key.store.js';
import { SchemaCheck } from '../store/schema-check.js';
import { ApiKeyService } from './api-key.service.js';
import { ApiKeyViews } from './api-key-views.js';
import { KeyFormat } from './key-format.js';
import { KeyHasher } from './key-hasher.js';
import { LastUsedTracker } from './last-used-tracker.js';
import { PepperCoverageCheck } from './pepper-coverage.check.js';

/** The key format, hashing, the store and the service, each from the resolved options. @internal */
export const KEYS_PROVIDERS: Provider[] = [
  {
    provide: KeyFormat,
    useFactory: (options: ResolvedApiKeysOptions) => new KeyFormat(options.keyPrefix, options.keyBytes, options.legacyKeyPattern),
    inject: [API_KEYS_RESOLVED_OPTIONS],
  },
  {
    provide: KeyHasher,
    useFactory: (options: ResolvedApiKeysOptions) => new KeyHasher(options.pepper),
    inject: [API_KEYS_RESOLVED_OPTIONS],
  },
  { provide: ApiKeyStore, useFactory: (dataSource: DataSource) => new ApiKeyStore(dataSource), inject: [API_KEYS_DATA_SOURCE] },
  // The verifier reads keys through this seam; the store answers unless a cache decorates it.
  { provide: ApiKeyLookup, useExisting: ApiKeyStore },
  {
    provide: LastUsedTracker,
    useFactory: (store: ApiKeyStore, options: ResolvedApiKeysOptions) => new LastUsedTracker(store, options.lastUsedWriteIntervalMs),
    inject: [ApiKeyStore, API_KEYS_RESOLVED_OPTIONS],
  },
  ApiKeyViews,
  ApiKeyService,
  SchemaCheck,
  PepperCoverageCheck,
];
