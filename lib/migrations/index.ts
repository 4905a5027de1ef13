import { ApiKeysInitialSchema1763800000000 } from './1763800000000-api-keys-initial-schema.js';
import { ApiKeysQuotas1763900000000 } from './1763900000000-api-keys-quotas.js';
import { ApiKeysExactIdentifiers1764000000000 } from './1764000000000-api-keys-exact-identifiers.js';

export { ApiKeysInitialSchema1763800000000, ApiKeysQuotas1763900000000, ApiKeysExactIdentifiers1764000000000 };

/**
 * The library's TypeORM migrations, in order, for PostgreSQL, MySQL/MariaDB and SQLite. Add
 * them to the host DataSource's `migrations` and run them like the host's own.
 *
 * @example
 * new DataSource({ type: 'postgres', entities: [...API_KEYS_ENTITIES], migrations: [...API_KEYS_MIGRATIONS, ...yours] })
 */
export const API_KEYS_MIGRATIONS = [ApiKeysInitialSchema1763800000000, ApiKeysQuotas1763900000000, ApiKeysExactIdentifiers1764000000000];
