import { OwnerRateLimits } from './owner-rate-limits.js';
import type { Provider } from '@nestjs/common';
import { getStorageToken } from '@nestjs/throttler';
import { API_KEYS_FAILED_ATTEMPTS, API_KEYS_RATE_LIMIT_STORAGE, API_KEYS_RESOLVED_OPTIONS } from '../api-keys.internal-constants.js';
import type { ResolvedApiKeysOptions } from '../api-keys.options.js';
import type { RateLimitStorage } from '../interfaces/quota.interface.js';
import { ApiKeyStore } from '../store/api-key.store.js';
import { ApiKeyEvents } from '../events/api-key-events.js';
import { CreditLedger } from './credit-ledger.js';
import { CreditThresholds } from './credit-thresholds.js';
import { FailedAttempts } from './failed-attempts.js';
import { InMemoryRateLimitStorage } from './in-memory-rate-limit.storage.js';
import { RateLimiter } from './rate-limiter.js';

const HOST_STORAGE = { token: getStorageToken(), optional: true };

/** Credits, rate limits and brute-force protection. @internal */
export const QUOTAS_PROVIDERS: Provider[] = [
  OwnerRateLimits,
  {
    provide: CreditThresholds,
    useFactory: (events: ApiKeyEvents) => new CreditThresholds((event) => events.emit(event)),
    inject: [ApiKeyEvents],
  },
  {
    // The option, else the host's @nestjs/throttler storage, else the in-process default.
    provide: API_KEYS_RATE_LIMIT_STORAGE,
    useFactory: (options: ResolvedApiKeysOptions, hostStorage?: RateLimitStorage) =>
      options.rateLimitStorage ?? hostStorage ?? new InMemoryRateLimitStorage(options.clock),
    inject: [API_KEYS_RESOLVED_OPTIONS, HOST_STORAGE],
  },
  {
    // Failures are recorded in a shared storage when there is one (the option, the host's),
    // else in the guard's own bounded in-process counters.
    provide: API_KEYS_FAILED_ATTEMPTS,
    useFactory: (options: ResolvedApiKeysOptions, hostStorage?: RateLimitStorage) =>
      options.failedAttempts
        ? new FailedAttempts(options.rateLimitStorage ?? hostStorage ?? null, options.clock, options.failedAttempts)
        : null,
    inject: [API_KEYS_RESOLVED_OPTIONS, HOST_STORAGE],
  },
  {
    provide: RateLimiter,
    useFactory: (storage: RateLimitStorage, options: ResolvedApiKeysOptions) => new RateLimiter(storage, options.clock),
    inject: [API_KEYS_RATE_LIMIT_STORAGE, API_KEYS_RESOLVED_OPTIONS],
  },
  { provide: CreditLedger, useFactory: (store: ApiKeyStore) => new CreditLedger(store), inject: [ApiKeyStore] },
];
