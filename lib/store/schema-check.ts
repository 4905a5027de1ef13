import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { API_KEYS_DATA_SOURCE, API_KEYS_STRUCTURAL_OPTIONS } from '../api-keys.internal-constants.js';
import { API_KEYS_ENTITIES } from '../entities/index.js';
import type { ApiKeysStructuralOptions } from '../interfaces/api-keys-options.interface.js';
import { ApiKeyStore } from './api-key.store.js';
import { isStoreUnavailableError } from './store-availability.js';

/**
 * Fails the boot with a message that says what to do when the host's DataSource cannot hold
 * the library's tables: entities not registered, an `entityPrefix`, or tables missing.
 * @internal
 */
@Injectable()
export class SchemaCheck implements OnModuleInit {
  constructor(
    @Inject(API_KEYS_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(API_KEYS_STRUCTURAL_OPTIONS) private readonly structural: Required<Pick<ApiKeysStructuralOptions, 'dataSource'>>,
  ) {}

  async onModuleInit(): Promise<void> {
    const name = this.structural.dataSource;
    const missing = API_KEYS_ENTITIES.filter((entity) => !this.dataSource.hasMetadata(entity)).map((e) => e.name);
    if (missing.length > 0) {
      throw new Error(
        `nest-api-keys: API_KEYS_ENTITIES is not registered on DataSource '${name}' (missing ${missing.join(', ')}): ` +
          `add entities: [...API_KEYS_ENTITIES, ...yours] (or autoLoadEntities: true) to its TypeORM options.`,
      );
    }
    if (this.dataSource.options.entityPrefix) {
      throw new Error(
        `nest-api-keys: DataSource '${name}' sets entityPrefix '${this.dataSource.options.entityPrefix}'; ` +
          `the library's table names are fixed. Use a DataSource without entityPrefix for API_KEYS_ENTITIES.`,
      );
    }
    try {
      // The verify lookup's own statements: a table or a column a migration adds is missing.
      await new ApiKeyStore(this.dataSource).probeKeyLookup();
    } catch (error) {
      if (isStoreUnavailableError(error)) return; // an outage at boot answers 503 later, not a crash
      throw new Error(
        `nest-api-keys: the API key tables on DataSource '${name}' are missing or out of date (${(error as Error).message}): ` +
          `run API_KEYS_MIGRATIONS (or synchronize: true in development).`,
      );
    }
  }
}
