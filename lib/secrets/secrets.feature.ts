import type { DataSource } from 'typeorm';
import type { ApiKeysFeature } from '../api-keys.feature.js';
import { API_KEYS_DATA_SOURCE } from '../api-keys.internal-constants.js';
import { ApiKeysSecrets1764300000000 } from '../migrations/1764300000000-api-keys-secrets.js';
import { ApiKeySecretEntity } from './api-key-secret.entity.js';
import { ApiKeySecretsService } from './api-key-secrets.service.js';
import { SecretsAdminController } from './secrets-admin.controller.js';
import { SecretsStore } from './secrets.store.js';

/** The secrets vault: AES-256-GCM third-party secrets per owner under a rotating keyring (SPEC §8, §9). @internal */
export const secretsFeature: ApiKeysFeature = {
  name: 'secrets',
  providers: [
    { provide: SecretsStore, useFactory: (dataSource: DataSource) => new SecretsStore(dataSource), inject: [API_KEYS_DATA_SOURCE] },
    ApiKeySecretsService,
  ],
  exports: [ApiKeySecretsService],
  entities: [ApiKeySecretEntity],
  migrations: [ApiKeysSecrets1764300000000],
  adminControllers: [SecretsAdminController],
  options: ['secrets'],
};
