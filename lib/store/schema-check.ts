import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { API_KEYS_DATA_SOURCE, API_KEYS_ENTITY_LIST, API_KEYS_STRUCTURAL_OPTIONS } from '../api-keys.internal-constants.js';
import { EXACT_MATCH_PROPERTIES } from '../entities/exact-match.decorator.js';
import type { ApiKeysStructuralOptions } from '../interfaces/api-keys-options.interface.js';
import { ApiKeyStore } from './api-key.store.js';
import { sqlFamilyOf } from './sql-dialect.js';
import { isStoreUnavailableError } from './store-availability.js';

/** Binary NO PAD collations: what MySQL/MariaDB identifier columns must use (SPEC §11). */
const EXACT_COLLATIONS = new Set(['utf8mb4_nopad_bin', 'utf8mb4_0900_bin', 'binary']);

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
    @Inject(API_KEYS_ENTITY_LIST) private readonly entities: Function[],
    private readonly store: ApiKeyStore,
  ) {}

  async onModuleInit(): Promise<void> {
    const name = this.structural.dataSource;
    const missing = this.entities.filter((entity) => !this.dataSource.hasMetadata(entity)).map((e) => e.name);
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
      await this.store.probeKeyLookup();
    } catch (error) {
      if (isStoreUnavailableError(error)) return; // an outage at boot answers 503 later, not a crash
      throw new Error(
        `nest-api-keys: the API key tables on DataSource '${name}' are missing or out of date (${(error as Error).message}): ` +
          `run API_KEYS_MIGRATIONS (or synchronize: true in development).`,
        { cause: error },
      );
    }
    await this.checkExactComparison(name);
  }

  /**
   * On MySQL/MariaDB, refuses to boot while an identifier column compares loosely: under the
   * default utf8mb4_general_ci, `ACME`, `acme ` and `acmé` would be one tenant.
   */
  private async checkExactComparison(name: string): Promise<void> {
    if (sqlFamilyOf(this.dataSource.options.type) !== 'mysql') return;
    const wanted = EXACT_MATCH_PROPERTIES.filter(({ target }) => this.entities.includes(target)).map(({ target, propertyName }) => {
      const metadata = this.dataSource.getMetadata(target);
      return { table: metadata.tableName, column: metadata.findColumnWithPropertyName(propertyName)!.databaseName };
    });
    const tables = [...new Set(wanted.map((w) => w.table))];
    const rows: Array<{ t: string; c: string; collation: string | null }> = await this.dataSource
      .query(
        'SELECT TABLE_NAME AS t, COLUMN_NAME AS c, COLLATION_NAME AS collation FROM information_schema.COLUMNS ' +
          `WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (${tables.map(() => '?').join(', ')})`,
        tables,
      )
      .catch((error) => {
        if (isStoreUnavailableError(error)) return null;
        throw error;
      });
    if (!rows) return;
    const absent = wanted.filter((w) => !rows.some((r) => r.t === w.table && r.c === w.column));
    if (absent.length > 0) {
      throw new Error(
        `nest-api-keys: the API key tables on DataSource '${name}' are missing or out of date ` +
          `(no column ${absent.map((w) => `${w.table}.${w.column}`).join(', ')}): run API_KEYS_MIGRATIONS (or synchronize: true in development).`,
      );
    }
    const collationOf = (w: { table: string; column: string }) => rows.find((r) => r.t === w.table && r.c === w.column)?.collation ?? null;
    const loose = wanted.filter((w) => !EXACT_COLLATIONS.has(collationOf(w) ?? ''));
    if (loose.length === 0) return;
    throw new Error(
      `nest-api-keys: on DataSource '${name}' these identifier columns compare loosely ` +
        `(${loose.map((w) => `${w.table}.${w.column} ${collationOf(w)}`).join(', ')}), so differently cased or padded owner ids ` +
        `would be one tenant. Run API_KEYS_MIGRATIONS (ApiKeysExactIdentifiers1764000000000 sets a binary NO PAD collation). ` +
        `With synchronize: true, create the database with DEFAULT COLLATE utf8mb4_nopad_bin (MariaDB) or utf8mb4_0900_bin (MySQL 8).`,
    );
  }
}
