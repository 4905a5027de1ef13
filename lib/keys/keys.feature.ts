import type { ApiKeysFeature } from '../api-keys.feature.js';
import { API_KEYS_DATA_SOURCE, API_KEYS_RESOLVED_OPTIONS } from '../api-keys.internal-constants.js';
import { CORE_ENTITIES } from '../entities/index.js';
import { ApiKeyGuard } from '../guard/api-key.guard.js';
import { ApiKeysInitialSchema1763800000000 } from '../migrations/1763800000000-api-keys-initial-schema.js';
import { ApiKeysExactIdentifiers1764000000000 } from '../migrations/1764000000000-api-keys-exact-identifiers.js';
import { FailureNotifier } from '../verification/failure-notifier.js';
import { VERIFICATION_PROVIDERS } from '../verification/verification.providers.js';
import { ApiKeyService } from './api-key.service.js';
import { KeySecrets } from './key-secrets.js';
import { KEYS_PROVIDERS } from './keys.providers.js';

/** Keys: the format, hashing, storage, the service, the verify chain and the guard. @internal */
export const keysFeature: ApiKeysFeature = {
  name: 'keys',
  providers: [...KEYS_PROVIDERS, KeySecrets, ...VERIFICATION_PROVIDERS],
  exports: [ApiKeyService, ApiKeyGuard, API_KEYS_RESOLVED_OPTIONS, API_KEYS_DATA_SOURCE],
  entities: CORE_ENTITIES,
  migrations: [ApiKeysInitialSchema1763800000000, ApiKeysExactIdentifiers1764000000000],
  verificationHooks: [FailureNotifier],
  options: ['keyPrefix', 'keyBytes', 'pepper', 'legacyKeyPattern', 'sources', 'lastUsedWriteIntervalMs', 'storeTimeoutMs', 'clock'],
};
