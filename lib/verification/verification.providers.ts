import type { Provider } from '@nestjs/common';
import { API_KEYS_RESOLVED_OPTIONS, API_KEYS_VERIFICATION_HOOKS } from '../api-keys.internal-constants.js';
import type { ResolvedApiKeysOptions } from '../api-keys.options.js';
import { ApiKeyEvents } from '../events/api-key-events.js';
import { ApiKeyGuard } from '../guard/api-key.guard.js';
import { KeyFormat } from '../keys/key-format.js';
import { KeyHasher } from '../keys/key-hasher.js';
import { LastUsedTracker } from '../keys/last-used-tracker.js';
import { CreditLedger } from '../quotas/credit-ledger.js';
import { RateLimiter } from '../quotas/rate-limiter.js';
import { ApiKeyLookup } from '../store/api-key-lookup.js';
import { ApiKeyStore } from '../store/api-key.store.js';
import { ApiKeyVerifier } from './api-key-verifier.js';
import { FailureNotifier } from './failure-notifier.js';

/** The verify chain and the guard in front of it. @internal */
export const VERIFICATION_PROVIDERS: Provider[] = [
  {
    provide: FailureNotifier,
    useFactory: (options: ResolvedApiKeysOptions, events: ApiKeyEvents) =>
      new FailureNotifier(options.clock, (event) => events.emit(event)),
    inject: [API_KEYS_RESOLVED_OPTIONS, ApiKeyEvents],
  },
  {
    provide: ApiKeyVerifier,
    useFactory: (...deps: ConstructorParameters<typeof ApiKeyVerifier>) => new ApiKeyVerifier(...deps),
    inject: [
      KeyFormat,
      KeyHasher,
      ApiKeyLookup,
      ApiKeyStore,
      LastUsedTracker,
      RateLimiter,
      CreditLedger,
      API_KEYS_VERIFICATION_HOOKS,
      API_KEYS_RESOLVED_OPTIONS,
    ],
  },
  ApiKeyGuard,
];
