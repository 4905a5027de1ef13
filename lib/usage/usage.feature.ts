import type { ApiKeysFeature } from '../api-keys.feature.js';
import { ApiKeysUsage1764200000000 } from '../migrations/1764200000000-api-keys-usage.js';
import { ApiKeyUsageRollupEntity } from './api-key-usage-rollup.entity.js';
import { ApiKeyVerificationEntity } from './api-key-verification.entity.js';

/** Usage analytics (SPEC §8): its tables. @internal */
export const usageFeature: ApiKeysFeature = {
  name: 'usage',
  entities: [ApiKeyVerificationEntity, ApiKeyUsageRollupEntity],
  migrations: [ApiKeysUsage1764200000000],
};
