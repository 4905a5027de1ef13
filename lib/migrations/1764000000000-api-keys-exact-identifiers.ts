import type { MigrationInterface, QueryRunner } from 'typeorm';
import { sqlFamilyOf } from '../store/sql-dialect.js';
import { runForFamily } from './migration-dialect.js';

// Identifiers compare exactly (SPEC §11). On MySQL/MariaDB the identifier columns move to the
// server's binary NO PAD collation: the default utf8mb4_general_ci made `ACME`, `acme ` and `acmé`
// one owner (lists and bulk revokes crossed tenants) and `projects:EXPORT` the same permission as
// `projects:export` (409s and duplicate-key 500s). MariaDB's plain utf8mb4_bin still pads trailing
// spaces, hence utf8mb4_nopad_bin there and utf8mb4_0900_bin on MySQL 8. PostgreSQL and SQLite
// compare exactly already. Namespaces, environments and role names widen to 128 characters.

/** Table → identifier columns with their definitions (width, nullability) after this migration. */
const MYSQL_COLUMNS: Record<string, Array<[column: string, type: string, nullable: boolean]>> = {
  api_keys: [
    ['owner_id', 'varchar(191)', false],
    ['namespace', 'varchar(128)', false],
    ['environment', 'varchar(128)', true],
    ['hash', 'varchar(64)', false],
  ],
  api_key_owners: [['owner_id', 'varchar(191)', false]],
  api_key_permissions: [['name', 'varchar(200)', false]],
  api_key_roles: [['name', 'varchar(128)', false]],
};
/** The widths before this migration, for down(). */
const MYSQL_WIDTHS_BEFORE: Record<string, string> = {
  'api_keys.namespace': 'varchar(100)',
  'api_keys.environment': 'varchar(100)',
  'api_key_roles.name': 'varchar(100)',
};

function mysqlModify(collation: string, widthsBefore = false): string[] {
  return Object.entries(MYSQL_COLUMNS).map(([table, columns]) => {
    const changes = columns.map(([column, type, nullable]) => {
      const width = widthsBefore ? (MYSQL_WIDTHS_BEFORE[`${table}.${column}`] ?? type) : type;
      return `MODIFY \`${column}\` ${width} CHARACTER SET utf8mb4 COLLATE ${collation} ${nullable ? 'NULL' : 'NOT NULL'}`;
    });
    return `ALTER TABLE \`${table}\` ${changes.join(', ')}`;
  });
}

const isMySql = (queryRunner: QueryRunner) => sqlFamilyOf(queryRunner.connection.driver.options.type) === 'mysql';

/** The server's binary NO PAD collation for utf8mb4. */
export async function exactCollation(queryRunner: QueryRunner): Promise<string> {
  const [{ version }] = await queryRunner.query('SELECT VERSION() AS version');
  if (/mariadb/i.test(version)) return 'utf8mb4_nopad_bin';
  if (Number.parseInt(version, 10) >= 8) return 'utf8mb4_0900_bin';
  throw new Error(`nest-api-keys: MySQL ${version} has no binary NO PAD collation for utf8mb4; use MySQL 8+ or MariaDB 10.2+.`);
}

const POSTGRES_UP = [
  'ALTER TABLE "api_keys" ALTER COLUMN "namespace" TYPE character varying(128)',
  'ALTER TABLE "api_keys" ALTER COLUMN "environment" TYPE character varying(128)',
  'ALTER TABLE "api_key_roles" ALTER COLUMN "name" TYPE character varying(128)',
];
const POSTGRES_DOWN = [
  'ALTER TABLE "api_key_roles" ALTER COLUMN "name" TYPE character varying(100)',
  'ALTER TABLE "api_keys" ALTER COLUMN "environment" TYPE character varying(100)',
  'ALTER TABLE "api_keys" ALTER COLUMN "namespace" TYPE character varying(100)',
];
// SQLite cannot alter a column: the two tables are rebuilt as a new table renamed over the old
// one (renaming the old table instead would rewrite the grant tables' foreign keys to it).
// Foreign keys are off while migrations run, so the grants that reference the rows are kept.
const SQLITE_UP = [
  'DROP INDEX "UQ_api_keys_hash"',
  'DROP INDEX "IDX_api_keys_owner_created"',
  'DROP INDEX "IDX_api_keys_lineage"',
  'DROP INDEX "IDX_api_keys_created"',
  'CREATE TABLE "temporary_api_keys" ("id" varchar(36) PRIMARY KEY NOT NULL, "lineage_id" varchar(36) NOT NULL, "owner_id" varchar(191) NOT NULL, "name" varchar(200), "namespace" varchar(128) NOT NULL, "environment" varchar(128), "start" varchar(40) NOT NULL, "last4" varchar(4) NOT NULL, "hash" varchar(64) NOT NULL, "hash_version" varchar(32) NOT NULL, "meta" text NOT NULL, "allowed_ips" text NOT NULL, "enabled" boolean NOT NULL, "disabled_by" varchar(10), "created_at" bigint NOT NULL, "updated_at" bigint NOT NULL, "expires_at" bigint, "max_idle_ms" bigint, "last_used_at" bigint, "revoked_at" bigint, "rotated_from_id" varchar(36), "rotated_to_id" varchar(36), "rotation_grace_ends_at" bigint, "parent_key_id" varchar(36), "remaining" bigint, "refill_amount" bigint, "refill_interval" varchar(10), "last_refill_at" bigint, "rate_limits" text, CONSTRAINT "FK_api_keys_parent" FOREIGN KEY ("parent_key_id") REFERENCES "api_keys" ("id") ON DELETE SET NULL ON UPDATE NO ACTION, CONSTRAINT "FK_api_keys_rotated_to" FOREIGN KEY ("rotated_to_id") REFERENCES "api_keys" ("id") ON DELETE SET NULL ON UPDATE NO ACTION, CONSTRAINT "FK_api_keys_rotated_from" FOREIGN KEY ("rotated_from_id") REFERENCES "api_keys" ("id") ON DELETE SET NULL ON UPDATE NO ACTION)',
  'INSERT INTO "temporary_api_keys"("id", "lineage_id", "owner_id", "name", "namespace", "environment", "start", "last4", "hash", "hash_version", "meta", "allowed_ips", "enabled", "disabled_by", "created_at", "updated_at", "expires_at", "max_idle_ms", "last_used_at", "revoked_at", "rotated_from_id", "rotated_to_id", "rotation_grace_ends_at", "parent_key_id", "remaining", "refill_amount", "refill_interval", "last_refill_at", "rate_limits") SELECT "id", "lineage_id", "owner_id", "name", "namespace", "environment", "start", "last4", "hash", "hash_version", "meta", "allowed_ips", "enabled", "disabled_by", "created_at", "updated_at", "expires_at", "max_idle_ms", "last_used_at", "revoked_at", "rotated_from_id", "rotated_to_id", "rotation_grace_ends_at", "parent_key_id", "remaining", "refill_amount", "refill_interval", "last_refill_at", "rate_limits" FROM "api_keys"',
  'DROP TABLE "api_keys"',
  'ALTER TABLE "temporary_api_keys" RENAME TO "api_keys"',
  'CREATE UNIQUE INDEX "UQ_api_keys_hash" ON "api_keys" ("hash")',
  'CREATE INDEX "IDX_api_keys_owner_created" ON "api_keys" ("owner_id", "created_at", "id")',
  'CREATE INDEX "IDX_api_keys_lineage" ON "api_keys" ("lineage_id")',
  'CREATE INDEX "IDX_api_keys_created" ON "api_keys" ("created_at", "id")',
  'DROP INDEX "UQ_api_key_roles_name"',
  'CREATE TABLE "temporary_api_key_roles" ("id" varchar(36) PRIMARY KEY NOT NULL, "name" varchar(128) NOT NULL, "created_at" bigint NOT NULL)',
  'INSERT INTO "temporary_api_key_roles"("id", "name", "created_at") SELECT "id", "name", "created_at" FROM "api_key_roles"',
  'DROP TABLE "api_key_roles"',
  'ALTER TABLE "temporary_api_key_roles" RENAME TO "api_key_roles"',
  'CREATE UNIQUE INDEX "UQ_api_key_roles_name" ON "api_key_roles" ("name")',
];
const SQLITE_DOWN = [
  'DROP INDEX "UQ_api_keys_hash"',
  'DROP INDEX "IDX_api_keys_owner_created"',
  'DROP INDEX "IDX_api_keys_lineage"',
  'DROP INDEX "IDX_api_keys_created"',
  'CREATE TABLE "temporary_api_keys" ("id" varchar(36) PRIMARY KEY NOT NULL, "lineage_id" varchar(36) NOT NULL, "owner_id" varchar(191) NOT NULL, "name" varchar(200), "namespace" varchar(100) NOT NULL, "environment" varchar(100), "start" varchar(40) NOT NULL, "last4" varchar(4) NOT NULL, "hash" varchar(64) NOT NULL, "hash_version" varchar(32) NOT NULL, "meta" text NOT NULL, "allowed_ips" text NOT NULL, "enabled" boolean NOT NULL, "disabled_by" varchar(10), "created_at" bigint NOT NULL, "updated_at" bigint NOT NULL, "expires_at" bigint, "max_idle_ms" bigint, "last_used_at" bigint, "revoked_at" bigint, "rotated_from_id" varchar(36), "rotated_to_id" varchar(36), "rotation_grace_ends_at" bigint, "parent_key_id" varchar(36), "remaining" bigint, "refill_amount" bigint, "refill_interval" varchar(10), "last_refill_at" bigint, "rate_limits" text, CONSTRAINT "FK_api_keys_parent" FOREIGN KEY ("parent_key_id") REFERENCES "api_keys" ("id") ON DELETE SET NULL ON UPDATE NO ACTION, CONSTRAINT "FK_api_keys_rotated_to" FOREIGN KEY ("rotated_to_id") REFERENCES "api_keys" ("id") ON DELETE SET NULL ON UPDATE NO ACTION, CONSTRAINT "FK_api_keys_rotated_from" FOREIGN KEY ("rotated_from_id") REFERENCES "api_keys" ("id") ON DELETE SET NULL ON UPDATE NO ACTION)',
  'INSERT INTO "temporary_api_keys"("id", "lineage_id", "owner_id", "name", "namespace", "environment", "start", "last4", "hash", "hash_version", "meta", "allowed_ips", "enabled", "disabled_by", "created_at", "updated_at", "expires_at", "max_idle_ms", "last_used_at", "revoked_at", "rotated_from_id", "rotated_to_id", "rotation_grace_ends_at", "parent_key_id", "remaining", "refill_amount", "refill_interval", "last_refill_at", "rate_limits") SELECT "id", "lineage_id", "owner_id", "name", "namespace", "environment", "start", "last4", "hash", "hash_version", "meta", "allowed_ips", "enabled", "disabled_by", "created_at", "updated_at", "expires_at", "max_idle_ms", "last_used_at", "revoked_at", "rotated_from_id", "rotated_to_id", "rotation_grace_ends_at", "parent_key_id", "remaining", "refill_amount", "refill_interval", "last_refill_at", "rate_limits" FROM "api_keys"',
  'DROP TABLE "api_keys"',
  'ALTER TABLE "temporary_api_keys" RENAME TO "api_keys"',
  'CREATE UNIQUE INDEX "UQ_api_keys_hash" ON "api_keys" ("hash")',
  'CREATE INDEX "IDX_api_keys_owner_created" ON "api_keys" ("owner_id", "created_at", "id")',
  'CREATE INDEX "IDX_api_keys_lineage" ON "api_keys" ("lineage_id")',
  'CREATE INDEX "IDX_api_keys_created" ON "api_keys" ("created_at", "id")',
  'DROP INDEX "UQ_api_key_roles_name"',
  'CREATE TABLE "temporary_api_key_roles" ("id" varchar(36) PRIMARY KEY NOT NULL, "name" varchar(100) NOT NULL, "created_at" bigint NOT NULL)',
  'INSERT INTO "temporary_api_key_roles"("id", "name", "created_at") SELECT "id", "name", "created_at" FROM "api_key_roles"',
  'DROP TABLE "api_key_roles"',
  'ALTER TABLE "temporary_api_key_roles" RENAME TO "api_key_roles"',
  'CREATE UNIQUE INDEX "UQ_api_key_roles_name" ON "api_key_roles" ("name")',
];

/** Exact identifier comparison on MySQL/MariaDB; 128-character namespaces, environments and role names. */
export class ApiKeysExactIdentifiers1764000000000 implements MigrationInterface {
  name = 'ApiKeysExactIdentifiers1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const mysql = isMySql(queryRunner) ? mysqlModify(await exactCollation(queryRunner)) : [];
    await runForFamily(queryRunner, { postgres: POSTGRES_UP, mysql, sqlite: SQLITE_UP });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    let mysql: string[] = [];
    if (isMySql(queryRunner)) {
      const [{ collation }] = await queryRunner.query(
        'SELECT DEFAULT_COLLATION_NAME AS collation FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = DATABASE()',
      );
      mysql = mysqlModify(collation, true);
    }
    await runForFamily(queryRunner, { postgres: POSTGRES_DOWN, mysql, sqlite: SQLITE_DOWN });
  }
}
