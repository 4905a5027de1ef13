import type { Provider } from '@nestjs/common';
import { API_KEYS_RESOLVED_OPTIONS } from '../api-keys.internal-constants.js';
import type { ResolvedApiKeysOptions } from '../api-keys.options.js';
import { ApiKeyStore } from '../store/api-key.store.js';
import { ApiKeyUsageService } from './api-key-usage.service.js';
import { UsageRecorder } from './usage-recorder.js';
import { UsageRetention } from './usage-retention.js';
import { UsageStore } from './usage.store.js';

/** The usage store, the recorder (a verification hook), the retention job and the service. @internal */
export const USAGE_PROVIDERS: Provider[] = [
  { provide: UsageStore, useFactory: (store: ApiKeyStore) => new UsageStore(store), inject: [ApiKeyStore] },
  {
    provide: UsageRecorder,
    useFactory: (store: UsageStore, options: ResolvedApiKeysOptions) => new UsageRecorder(store, options.verificationLog, options.clock),
    inject: [UsageStore, API_KEYS_RESOLVED_OPTIONS],
  },
  {
    provide: UsageRetention,
    useFactory: (store: UsageStore, options: ResolvedApiKeysOptions) => new UsageRetention(store, options.verificationLog, options.clock),
    inject: [UsageStore, API_KEYS_RESOLVED_OPTIONS],
  },
  ApiKeyUsageService,
];
