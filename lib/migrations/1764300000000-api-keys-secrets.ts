import type { MigrationInterface, QueryRunner } from 'typeorm';
import { sqlFamilyOf } from '../store/sql-dialect.js';
import { exactCollation } from './1764000000000-api-keys-exact-identifiers.js';
import { runForFamily } from './migration-dialect.js';

// The secrets vault (SPEC §5, §8): one row per (owner, name), the value encrypted with
// AES-256-GCM and stored as base64 text (IV, ciphertext, tag) with the id of the keyring key
// that encrypted it. Generated from the entity with scripts/schema-sql.mjs. On MySQL/MariaDB the
// identifier columns (owner, name, key id, and the IV that stamps each write) use the binary NO
// PAD collation from the start, as ApiKeysExactIdentifiers1764000000000 gave the older tables.

const POSTGRES_UP = [
  'CREATE TABLE "api_key_secrets" ("id" character varying(36) NOT NULL, "owner_id" character varying(191) NOT NULL, "name" character varying(128) NOT NULL, "key_id" character varying(32) NOT NULL, "iv" character varying(16) NOT NULL, "ciphertext" text NOT NULL, "tag" character varying(24) NOT NULL, "created_at" bigint NOT NULL, "updated_at" bigint NOT NULL, CONSTRAINT "PK_api_key_secrets" PRIMARY KEY ("id"))',
  'CREATE UNIQUE INDEX "UQ_api_key_secrets_owner_name" ON "api_key_secrets" ("owner_id", "name")',
];
const POSTGRES_DOWN = ['DROP INDEX "UQ_api_key_secrets_owner_name"', 'DROP TABLE "api_key_secrets"'];

const mysqlUp = (exact: string) => [
  'CREATE TABLE `api_key_secrets` (`id` varchar(36) NOT NULL, ' +
    `\`owner_id\` varchar(191) CHARACTER SET utf8mb4 COLLATE ${exact} NOT NULL, ` +
    `\`name\` varchar(128) CHARACTER SET utf8mb4 COLLATE ${exact} NOT NULL, ` +
    `\`key_id\` varchar(32) CHARACTER SET utf8mb4 COLLATE ${exact} NOT NULL, ` +
    `\`iv\` varchar(16) CHARACTER SET utf8mb4 COLLATE ${exact} NOT NULL, ` +
    '`ciphertext` text NOT NULL, `tag` varchar(24) NOT NULL, `created_at` bigint NOT NULL, `updated_at` bigint NOT NULL, ' +
    'UNIQUE INDEX `UQ_api_key_secrets_owner_name` (`owner_id`, `name`), PRIMARY KEY (`id`)) ENGINE=InnoDB',
];
const MYSQL_DOWN = ['DROP TABLE `api_key_secrets`'];

const SQLITE_UP = [
  'CREATE TABLE "api_key_secrets" ("id" varchar(36) PRIMARY KEY NOT NULL, "owner_id" varchar(191) NOT NULL, "name" varchar(128) NOT NULL, "key_id" varchar(32) NOT NULL, "iv" varchar(16) NOT NULL, "ciphertext" text NOT NULL, "tag" varchar(24) NOT NULL, "created_at" bigint NOT NULL, "updated_at" bigint NOT NULL)',
  'CREATE UNIQUE INDEX "UQ_api_key_secrets_owner_name" ON "api_key_secrets" ("owner_id", "name")',
];
const SQLITE_DOWN = ['DROP INDEX "UQ_api_key_secrets_owner_name"', 'DROP TABLE "api_key_secrets"'];

/** Adds `api_key_secrets`, the encrypted secrets vault. */
export class ApiKeysSecrets1764300000000 implements MigrationInterface {
  name = 'ApiKeysSecrets1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const mysql = sqlFamilyOf(queryRunner.connection.driver.options.type) === 'mysql' ? mysqlUp(await exactCollation(queryRunner)) : [];
    await runForFamily(queryRunner, { postgres: POSTGRES_UP, mysql, sqlite: SQLITE_UP });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await runForFamily(queryRunner, { postgres: POSTGRES_DOWN, mysql: MYSQL_DOWN, sqlite: SQLITE_DOWN });
  }
}
