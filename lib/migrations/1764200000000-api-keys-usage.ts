import type { MigrationInterface, QueryRunner } from 'typeorm';
import { sqlFamilyOf } from '../store/sql-dialect.js';
import { exactCollation } from './1764000000000-api-keys-exact-identifiers.js';
import { runForFamily } from './migration-dialect.js';

// Usage analytics (SPEC §5, §8): verification counts per key, UTC hour and code
// (api_key_usage_rollups, one row per (key_id, hour_start, code), the target of the additive
// upsert), and the per-verification log (api_key_verifications). Ids, not foreign keys: both
// outlive a purged key until retention removes them. Generated from the entities with
// scripts/schema-sql.mjs; identifier columns (owner ids, namespaces, tags) compare exactly
// on MySQL/MariaDB, as in ApiKeysExactIdentifiers1764000000000.

const POSTGRES_UP = [
  'CREATE TABLE "api_key_usage_rollups" ("key_id" character varying(36) NOT NULL, "hour_start" bigint NOT NULL, "code" character varying(32) NOT NULL, "owner_id" character varying(191) NOT NULL, "namespace" character varying(128) NOT NULL, "count" bigint NOT NULL, "spent" bigint NOT NULL, CONSTRAINT "PK_api_key_usage_rollups" PRIMARY KEY ("key_id", "hour_start", "code"))',
  'CREATE INDEX "IDX_api_key_usage_rollups_hour" ON "api_key_usage_rollups" ("hour_start")',
  'CREATE INDEX "IDX_api_key_usage_rollups_namespace" ON "api_key_usage_rollups" ("namespace", "hour_start")',
  'CREATE INDEX "IDX_api_key_usage_rollups_owner" ON "api_key_usage_rollups" ("owner_id", "hour_start")',
  'CREATE TABLE "api_key_verifications" ("id" character varying(36) NOT NULL, "key_id" character varying(36) NOT NULL, "owner_id" character varying(191) NOT NULL, "at" bigint NOT NULL, "code" character varying(32) NOT NULL, "cost" bigint NOT NULL, "ip" character varying(45), "tags" text, CONSTRAINT "PK_api_key_verifications" PRIMARY KEY ("id"))',
  'CREATE INDEX "IDX_api_key_verifications_at" ON "api_key_verifications" ("at")',
  'CREATE INDEX "IDX_api_key_verifications_key_at" ON "api_key_verifications" ("key_id", "at", "id")',
];

const POSTGRES_DOWN = [
  'DROP INDEX "IDX_api_key_verifications_key_at"',
  'DROP INDEX "IDX_api_key_verifications_at"',
  'DROP TABLE "api_key_verifications"',
  'DROP INDEX "IDX_api_key_usage_rollups_owner"',
  'DROP INDEX "IDX_api_key_usage_rollups_namespace"',
  'DROP INDEX "IDX_api_key_usage_rollups_hour"',
  'DROP TABLE "api_key_usage_rollups"',
];

/** MySQL/MariaDB, with the server's binary NO PAD collation on the identifier columns. */
function mysqlUp(collation: string): string[] {
  const exact = `CHARACTER SET utf8mb4 COLLATE ${collation}`;
  return [
    `CREATE TABLE \`api_key_usage_rollups\` (\`key_id\` varchar(36) NOT NULL, \`hour_start\` bigint NOT NULL, \`code\` varchar(32) NOT NULL, \`owner_id\` varchar(191) ${exact} NOT NULL, \`namespace\` varchar(128) ${exact} NOT NULL, \`count\` bigint NOT NULL, \`spent\` bigint NOT NULL, INDEX \`IDX_api_key_usage_rollups_hour\` (\`hour_start\`), INDEX \`IDX_api_key_usage_rollups_namespace\` (\`namespace\`, \`hour_start\`), INDEX \`IDX_api_key_usage_rollups_owner\` (\`owner_id\`, \`hour_start\`), PRIMARY KEY (\`key_id\`, \`hour_start\`, \`code\`)) ENGINE=InnoDB`,
    `CREATE TABLE \`api_key_verifications\` (\`id\` varchar(36) NOT NULL, \`key_id\` varchar(36) NOT NULL, \`owner_id\` varchar(191) ${exact} NOT NULL, \`at\` bigint NOT NULL, \`code\` varchar(32) NOT NULL, \`cost\` bigint NOT NULL, \`ip\` varchar(45) NULL, \`tags\` text ${exact} NULL, INDEX \`IDX_api_key_verifications_at\` (\`at\`), INDEX \`IDX_api_key_verifications_key_at\` (\`key_id\`, \`at\`, \`id\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
  ];
}

const MYSQL_DOWN = ['DROP TABLE `api_key_verifications`', 'DROP TABLE `api_key_usage_rollups`'];

const SQLITE_UP = [
  'CREATE TABLE "api_key_usage_rollups" ("key_id" varchar(36) NOT NULL, "hour_start" bigint NOT NULL, "code" varchar(32) NOT NULL, "owner_id" varchar(191) NOT NULL, "namespace" varchar(128) NOT NULL, "count" bigint NOT NULL, "spent" bigint NOT NULL, PRIMARY KEY ("key_id", "hour_start", "code"))',
  'CREATE INDEX "IDX_api_key_usage_rollups_hour" ON "api_key_usage_rollups" ("hour_start")',
  'CREATE INDEX "IDX_api_key_usage_rollups_namespace" ON "api_key_usage_rollups" ("namespace", "hour_start")',
  'CREATE INDEX "IDX_api_key_usage_rollups_owner" ON "api_key_usage_rollups" ("owner_id", "hour_start")',
  'CREATE TABLE "api_key_verifications" ("id" varchar(36) PRIMARY KEY NOT NULL, "key_id" varchar(36) NOT NULL, "owner_id" varchar(191) NOT NULL, "at" bigint NOT NULL, "code" varchar(32) NOT NULL, "cost" bigint NOT NULL, "ip" varchar(45), "tags" text)',
  'CREATE INDEX "IDX_api_key_verifications_at" ON "api_key_verifications" ("at")',
  'CREATE INDEX "IDX_api_key_verifications_key_at" ON "api_key_verifications" ("key_id", "at", "id")',
];

const SQLITE_DOWN = ['DROP TABLE "api_key_verifications"', 'DROP TABLE "api_key_usage_rollups"'];

/** Adds the usage rollups and the verification log (PostgreSQL, MySQL/MariaDB, SQLite). */
export class ApiKeysUsage1764200000000 implements MigrationInterface {
  name = 'ApiKeysUsage1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const mysql = sqlFamilyOf(queryRunner.connection.driver.options.type) === 'mysql' ? mysqlUp(await exactCollation(queryRunner)) : [];
    await runForFamily(queryRunner, { postgres: POSTGRES_UP, mysql, sqlite: SQLITE_UP });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await runForFamily(queryRunner, { postgres: POSTGRES_DOWN, mysql: MYSQL_DOWN, sqlite: SQLITE_DOWN });
  }
}
