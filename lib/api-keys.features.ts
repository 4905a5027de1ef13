import { adminFeature } from './admin/admin.feature.js';
import type { ApiKeysFeature } from './api-keys.feature.js';
import { auditFeature } from './audit/audit.feature.js';
import { cacheFeature } from './cache/cache.feature.js';
import { changesFeature } from './changes/changes.feature.js';
import { childrenFeature } from './children/children.feature.js';
import { keysFeature } from './keys/keys.feature.js';
import { ownersFeature } from './owners/owners.feature.js';
import { quotasFeature } from './quotas/quotas.feature.js';
import { rbacFeature } from './rbac/rbac.feature.js';
import { usageFeature } from './usage/usage.feature.js';
import { secretsFeature } from './secrets/secrets.feature.js';

/**
 * Every feature of the module, in the order their change hooks run (the audit writer comes
 * before the event publisher, so nothing is published about a change whose audit row failed). `ApiKeysModule` is assembled from this list.
 * The cache comes right after the keys: its ApiKeyLookup provider replaces the keys feature's
 * (a later provider of a token wins), and its eviction runs before the events go out, so an
 * event handler that verifies the key already sees the change.
 * @internal
 */
export const FEATURES: readonly ApiKeysFeature[] = [
  keysFeature,
  cacheFeature,
  quotasFeature,
  rbacFeature,
  childrenFeature,
  ownersFeature,
  adminFeature,
  usageFeature,
  secretsFeature,
  auditFeature,
  changesFeature,
];

/** Trailing epoch-ms of a migration's class name: the order migrations run in. */
const timestampOf = (migration: Function) => Number(/(\d+)$/.exec(migration.name)?.[1] ?? 0);

/**
 * Every entity of the library: spread it into the host's TypeORM `entities`.
 *
 * @example
 * TypeOrmModule.forRoot({ type: 'postgres', entities: [...API_KEYS_ENTITIES, ...yours] })
 */
export const API_KEYS_ENTITIES: Function[] = FEATURES.flatMap((feature) => feature.entities ?? []);

/**
 * The library's TypeORM migrations, in order, for PostgreSQL, MySQL/MariaDB and SQLite. Add
 * them to the host DataSource's `migrations` and run them like the host's own.
 *
 * @example
 * new DataSource({ type: 'postgres', entities: [...API_KEYS_ENTITIES], migrations: [...API_KEYS_MIGRATIONS, ...yours] })
 */
export const API_KEYS_MIGRATIONS: Function[] = FEATURES.flatMap((feature) => feature.migrations ?? []).sort(
  (a, b) => timestampOf(a) - timestampOf(b),
);

/** Names of every runtime option a feature reads. */
export const RUNTIME_OPTION_NAMES: readonly string[] = FEATURES.flatMap((feature) => feature.options ?? []);
