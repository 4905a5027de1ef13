import type { ApiKeysFeature } from '../api-keys.feature.js';
import { API_KEYS_FAILED_ATTEMPTS, API_KEYS_RATE_LIMIT_STORAGE } from '../api-keys.internal-constants.js';
import { ApiKeysQuotas1763900000000 } from '../migrations/1763900000000-api-keys-quotas.js';
import { ApiKeysCreditsGranted1764400000000 } from '../migrations/1764400000000-api-keys-credits-granted.js';
import { CreditThresholds } from './credit-thresholds.js';
import { QUOTAS_PROVIDERS } from './quotas.providers.js';

/** Quotas: credits with refill and their thresholds, named rate limits over ThrottlerStorage, brute-force protection. @internal */
export const quotasFeature: ApiKeysFeature = {
  name: 'quotas',
  providers: QUOTAS_PROVIDERS,
  exports: [API_KEYS_RATE_LIMIT_STORAGE, API_KEYS_FAILED_ATTEMPTS],
  migrations: [ApiKeysQuotas1763900000000, ApiKeysCreditsGranted1764400000000],
  verificationHooks: [CreditThresholds],
  options: ['defaultRateLimits', 'rateLimitStorage', 'failedAttempts'],
};
