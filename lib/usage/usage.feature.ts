import type { ApiKeysFeature } from '../api-keys.feature.js';
import { ApiKeysUsage1764200000000 } from '../migrations/1764200000000-api-keys-usage.js';
import { ApiKeyUsageRollupEntity } from './api-key-usage-rollup.entity.js';
import { ApiKeyUsageService } from './api-key-usage.service.js';
import { ApiKeyVerificationEntity } from './api-key-verification.entity.js';
import { UsageAdminController } from './usage-admin.controller.js';
import { UsageRecorder } from './usage-recorder.js';
import { USAGE_PROVIDERS } from './usage.providers.js';

/**
 * Usage analytics (SPEC §8): every verification counted per key, hour and code with the credits
 * spent, the per-key verification log, retention, ApiKeyUsageService and the usage routes.
 * @internal
 */
export const usageFeature: ApiKeysFeature = {
  name: 'usage',
  providers: USAGE_PROVIDERS,
  exports: [ApiKeyUsageService],
  entities: [ApiKeyVerificationEntity, ApiKeyUsageRollupEntity],
  migrations: [ApiKeysUsage1764200000000],
  adminControllers: [UsageAdminController],
  verificationHooks: [UsageRecorder],
  options: ['verificationLog'],
};
