import type { MigrationInterface, QueryRunner } from 'typeorm';
import { runForFamily } from './migration-dialect.js';

// The library's initial schema, one statement list per database family. Generated from the
// entities with scripts/schema-sql.mjs; the migrations test checks that the migrated schema
// and the entities agree exactly on every supported database.

const POSTGRES_UP = [
  'CREATE TABLE "api_key_permissions" ("id" character varying(36) NOT NULL, "name" character varying(200) NOT NULL, "description" character varying(500), "created_at" bigint NOT NULL, CONSTRAINT "PK_api_key_permissions" PRIMARY KEY ("id"))',
  'CREATE UNIQUE INDEX "UQ_api_key_permissions_name" ON "api_key_permissions"  ("name")',
  'CREATE TABLE "api_key_permission_grants" ("key_id" character varying(36) NOT NULL, "permission_id" character varying(36) NOT NULL, CONSTRAINT "PK_api_key_permission_grants" PRIMARY KEY ("key_id", "permission_id"))',
  'CREATE INDEX "IDX_api_key_permission_grants_permission" ON "api_key_permission_grants"  ("permission_id")',
  'CREATE TABLE "api_key_role_grants" ("key_id" character varying(36) NOT NULL, "role_id" character varying(36) NOT NULL, CONSTRAINT "PK_api_key_role_grants" PRIMARY KEY ("key_id", "role_id"))',
  'CREATE INDEX "IDX_api_key_role_grants_role" ON "api_key_role_grants"  ("role_id")',
  'CREATE TABLE "api_key_role_permissions" ("role_id" character varying(36) NOT NULL, "permission_id" character varying(36) NOT NULL, CONSTRAINT "PK_api_key_role_permissions" PRIMARY KEY ("role_id", "permission_id"))',
  'CREATE INDEX "IDX_api_key_role_permissions_permission" ON "api_key_role_permissions"  ("permission_id")',
  'CREATE TABLE "api_keys" ("id" character varying(36) NOT NULL, "lineage_id" character varying(36) NOT NULL, "owner_id" character varying(191) NOT NULL, "name" character varying(200), "namespace" character varying(100) NOT NULL, "environment" character varying(100), "start" character varying(40) NOT NULL, "last4" character varying(4) NOT NULL, "hash" character varying(64) NOT NULL, "hash_version" character varying(32) NOT NULL, "meta" text NOT NULL, "allowed_ips" text NOT NULL, "enabled" boolean NOT NULL, "disabled_by" character varying(10), "created_at" bigint NOT NULL, "updated_at" bigint NOT NULL, "expires_at" bigint, "max_idle_ms" bigint, "last_used_at" bigint, "revoked_at" bigint, "rotated_from_id" character varying(36), "rotated_to_id" character varying(36), "rotation_grace_ends_at" bigint, "parent_key_id" character varying(36), CONSTRAINT "PK_api_keys" PRIMARY KEY ("id"))',
  'CREATE INDEX "IDX_api_keys_created" ON "api_keys"  ("created_at", "id")',
  'CREATE INDEX "IDX_api_keys_lineage" ON "api_keys"  ("lineage_id")',
  'CREATE INDEX "IDX_api_keys_owner_created" ON "api_keys"  ("owner_id", "created_at", "id")',
  'CREATE UNIQUE INDEX "UQ_api_keys_hash" ON "api_keys"  ("hash")',
  'CREATE TABLE "api_key_roles" ("id" character varying(36) NOT NULL, "name" character varying(100) NOT NULL, "created_at" bigint NOT NULL, CONSTRAINT "PK_api_key_roles" PRIMARY KEY ("id"))',
  'CREATE UNIQUE INDEX "UQ_api_key_roles_name" ON "api_key_roles"  ("name")',
  'CREATE TABLE "api_key_owners" ("owner_id" character varying(191) NOT NULL, "active_keys" integer NOT NULL DEFAULT \'0\', CONSTRAINT "PK_api_key_owners" PRIMARY KEY ("owner_id"))',
  'ALTER TABLE "api_key_permission_grants" ADD CONSTRAINT "FK_api_key_permission_grants_key" FOREIGN KEY ("key_id") REFERENCES "api_keys"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
  'ALTER TABLE "api_key_permission_grants" ADD CONSTRAINT "FK_api_key_permission_grants_permission" FOREIGN KEY ("permission_id") REFERENCES "api_key_permissions"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
  'ALTER TABLE "api_key_role_grants" ADD CONSTRAINT "FK_api_key_role_grants_key" FOREIGN KEY ("key_id") REFERENCES "api_keys"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
  'ALTER TABLE "api_key_role_grants" ADD CONSTRAINT "FK_api_key_role_grants_role" FOREIGN KEY ("role_id") REFERENCES "api_key_roles"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
  'ALTER TABLE "api_key_role_permissions" ADD CONSTRAINT "FK_api_key_role_permissions_role" FOREIGN KEY ("role_id") REFERENCES "api_key_roles"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
  'ALTER TABLE "api_key_role_permissions" ADD CONSTRAINT "FK_api_key_role_permissions_permission" FOREIGN KEY ("permission_id") REFERENCES "api_key_permissions"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
  'ALTER TABLE "api_keys" ADD CONSTRAINT "FK_api_keys_rotated_from" FOREIGN KEY ("rotated_from_id") REFERENCES "api_keys"("id") ON DELETE SET NULL ON UPDATE NO ACTION',
  'ALTER TABLE "api_keys" ADD CONSTRAINT "FK_api_keys_rotated_to" FOREIGN KEY ("rotated_to_id") REFERENCES "api_keys"("id") ON DELETE SET NULL ON UPDATE NO ACTION',
  'ALTER TABLE "api_keys" ADD CONSTRAINT "FK_api_keys_parent" FOREIGN KEY ("parent_key_id") REFERENCES "api_keys"("id") ON DELETE SET NULL ON UPDATE NO ACTION',
];

const POSTGRES_DOWN = [
  'ALTER TABLE "api_keys" DROP CONSTRAINT "FK_api_keys_parent"',
  'ALTER TABLE "api_keys" DROP CONSTRAINT "FK_api_keys_rotated_to"',
  'ALTER TABLE "api_keys" DROP CONSTRAINT "FK_api_keys_rotated_from"',
  'ALTER TABLE "api_key_role_permissions" DROP CONSTRAINT "FK_api_key_role_permissions_permission"',
  'ALTER TABLE "api_key_role_permissions" DROP CONSTRAINT "FK_api_key_role_permissions_role"',
  'ALTER TABLE "api_key_role_grants" DROP CONSTRAINT "FK_api_key_role_grants_role"',
  'ALTER TABLE "api_key_role_grants" DROP CONSTRAINT "FK_api_key_role_grants_key"',
  'ALTER TABLE "api_key_permission_grants" DROP CONSTRAINT "FK_api_key_permission_grants_permission"',
  'ALTER TABLE "api_key_permission_grants" DROP CONSTRAINT "FK_api_key_permission_grants_key"',
  'DROP TABLE "api_key_owners"',
  'DROP INDEX "UQ_api_key_roles_name"',
  'DROP TABLE "api_key_roles"',
  'DROP INDEX "UQ_api_keys_hash"',
  'DROP INDEX "IDX_api_keys_owner_created"',
  'DROP INDEX "IDX_api_keys_lineage"',
  'DROP INDEX "IDX_api_keys_created"',
  'DROP TABLE "api_keys"',
  'DROP INDEX "IDX_api_key_role_permissions_permission"',
  'DROP TABLE "api_key_role_permissions"',
  'DROP INDEX "IDX_api_key_role_grants_role"',
  'DROP TABLE "api_key_role_grants"',
  'DROP INDEX "IDX_api_key_permission_grants_permission"',
  'DROP TABLE "api_key_permission_grants"',
  'DROP INDEX "UQ_api_key_permissions_name"',
  'DROP TABLE "api_key_permissions"',
];

const MYSQL_UP = [
  'CREATE TABLE `api_key_permissions` (`id` varchar(36) NOT NULL, `name` varchar(200) NOT NULL, `description` varchar(500) NULL, `created_at` bigint NOT NULL, UNIQUE INDEX `UQ_api_key_permissions_name` (`name`), PRIMARY KEY (`id`)) ENGINE=InnoDB',
  'CREATE TABLE `api_key_permission_grants` (`key_id` varchar(36) NOT NULL, `permission_id` varchar(36) NOT NULL, INDEX `IDX_api_key_permission_grants_permission` (`permission_id`), PRIMARY KEY (`key_id`, `permission_id`)) ENGINE=InnoDB',
  'CREATE TABLE `api_key_role_grants` (`key_id` varchar(36) NOT NULL, `role_id` varchar(36) NOT NULL, INDEX `IDX_api_key_role_grants_role` (`role_id`), PRIMARY KEY (`key_id`, `role_id`)) ENGINE=InnoDB',
  'CREATE TABLE `api_key_role_permissions` (`role_id` varchar(36) NOT NULL, `permission_id` varchar(36) NOT NULL, INDEX `IDX_api_key_role_permissions_permission` (`permission_id`), PRIMARY KEY (`role_id`, `permission_id`)) ENGINE=InnoDB',
  'CREATE TABLE `api_keys` (`id` varchar(36) NOT NULL, `lineage_id` varchar(36) NOT NULL, `owner_id` varchar(191) NOT NULL, `name` varchar(200) NULL, `namespace` varchar(100) NOT NULL, `environment` varchar(100) NULL, `start` varchar(40) NOT NULL, `last4` varchar(4) NOT NULL, `hash` varchar(64) NOT NULL, `hash_version` varchar(32) NOT NULL, `meta` text NOT NULL, `allowed_ips` text NOT NULL, `enabled` tinyint NOT NULL, `disabled_by` varchar(10) NULL, `created_at` bigint NOT NULL, `updated_at` bigint NOT NULL, `expires_at` bigint NULL, `max_idle_ms` bigint NULL, `last_used_at` bigint NULL, `revoked_at` bigint NULL, `rotated_from_id` varchar(36) NULL, `rotated_to_id` varchar(36) NULL, `rotation_grace_ends_at` bigint NULL, `parent_key_id` varchar(36) NULL, INDEX `IDX_api_keys_created` (`created_at`, `id`), INDEX `IDX_api_keys_lineage` (`lineage_id`), INDEX `IDX_api_keys_owner_created` (`owner_id`, `created_at`, `id`), UNIQUE INDEX `UQ_api_keys_hash` (`hash`), PRIMARY KEY (`id`)) ENGINE=InnoDB',
  'CREATE TABLE `api_key_roles` (`id` varchar(36) NOT NULL, `name` varchar(100) NOT NULL, `created_at` bigint NOT NULL, UNIQUE INDEX `UQ_api_key_roles_name` (`name`), PRIMARY KEY (`id`)) ENGINE=InnoDB',
  "CREATE TABLE `api_key_owners` (`owner_id` varchar(191) NOT NULL, `active_keys` int NOT NULL DEFAULT '0', PRIMARY KEY (`owner_id`)) ENGINE=InnoDB",
  'ALTER TABLE `api_key_permission_grants` ADD CONSTRAINT `FK_api_key_permission_grants_key` FOREIGN KEY (`key_id`) REFERENCES `api_keys`(`id`) ON DELETE CASCADE ON UPDATE NO ACTION',
  'ALTER TABLE `api_key_permission_grants` ADD CONSTRAINT `FK_api_key_permission_grants_permission` FOREIGN KEY (`permission_id`) REFERENCES `api_key_permissions`(`id`) ON DELETE CASCADE ON UPDATE NO ACTION',
  'ALTER TABLE `api_key_role_grants` ADD CONSTRAINT `FK_api_key_role_grants_key` FOREIGN KEY (`key_id`) REFERENCES `api_keys`(`id`) ON DELETE CASCADE ON UPDATE NO ACTION',
  'ALTER TABLE `api_key_role_grants` ADD CONSTRAINT `FK_api_key_role_grants_role` FOREIGN KEY (`role_id`) REFERENCES `api_key_roles`(`id`) ON DELETE CASCADE ON UPDATE NO ACTION',
  'ALTER TABLE `api_key_role_permissions` ADD CONSTRAINT `FK_api_key_role_permissions_role` FOREIGN KEY (`role_id`) REFERENCES `api_key_roles`(`id`) ON DELETE CASCADE ON UPDATE NO ACTION',
  'ALTER TABLE `api_key_role_permissions` ADD CONSTRAINT `FK_api_key_role_permissions_permission` FOREIGN KEY (`permission_id`) REFERENCES `api_key_permissions`(`id`) ON DELETE CASCADE ON UPDATE NO ACTION',
  'ALTER TABLE `api_keys` ADD CONSTRAINT `FK_api_keys_rotated_from` FOREIGN KEY (`rotated_from_id`) REFERENCES `api_keys`(`id`) ON DELETE SET NULL ON UPDATE NO ACTION',
  'ALTER TABLE `api_keys` ADD CONSTRAINT `FK_api_keys_rotated_to` FOREIGN KEY (`rotated_to_id`) REFERENCES `api_keys`(`id`) ON DELETE SET NULL ON UPDATE NO ACTION',
  'ALTER TABLE `api_keys` ADD CONSTRAINT `FK_api_keys_parent` FOREIGN KEY (`parent_key_id`) REFERENCES `api_keys`(`id`) ON DELETE SET NULL ON UPDATE NO ACTION',
];

const MYSQL_DOWN = [
  'ALTER TABLE `api_keys` DROP FOREIGN KEY `FK_api_keys_parent`',
  'ALTER TABLE `api_keys` DROP FOREIGN KEY `FK_api_keys_rotated_to`',
  'ALTER TABLE `api_keys` DROP FOREIGN KEY `FK_api_keys_rotated_from`',
  'ALTER TABLE `api_key_role_permissions` DROP FOREIGN KEY `FK_api_key_role_permissions_permission`',
  'ALTER TABLE `api_key_role_permissions` DROP FOREIGN KEY `FK_api_key_role_permissions_role`',
  'ALTER TABLE `api_key_role_grants` DROP FOREIGN KEY `FK_api_key_role_grants_role`',
  'ALTER TABLE `api_key_role_grants` DROP FOREIGN KEY `FK_api_key_role_grants_key`',
  'ALTER TABLE `api_key_permission_grants` DROP FOREIGN KEY `FK_api_key_permission_grants_permission`',
  'ALTER TABLE `api_key_permission_grants` DROP FOREIGN KEY `FK_api_key_permission_grants_key`',
  'DROP TABLE `api_key_owners`',
  'DROP INDEX `UQ_api_key_roles_name` ON `api_key_roles`',
  'DROP TABLE `api_key_roles`',
  'DROP INDEX `UQ_api_keys_hash` ON `api_keys`',
  'DROP INDEX `IDX_api_keys_owner_created` ON `api_keys`',
  'DROP INDEX `IDX_api_keys_lineage` ON `api_keys`',
  'DROP INDEX `IDX_api_keys_created` ON `api_keys`',
  'DROP TABLE `api_keys`',
  'DROP INDEX `IDX_api_key_role_permissions_permission` ON `api_key_role_permissions`',
  'DROP TABLE `api_key_role_permissions`',
  'DROP INDEX `IDX_api_key_role_grants_role` ON `api_key_role_grants`',
  'DROP TABLE `api_key_role_grants`',
  'DROP INDEX `IDX_api_key_permission_grants_permission` ON `api_key_permission_grants`',
  'DROP TABLE `api_key_permission_grants`',
  'DROP INDEX `UQ_api_key_permissions_name` ON `api_key_permissions`',
  'DROP TABLE `api_key_permissions`',
];

const SQLITE_UP = [
  'CREATE TABLE "api_key_permissions" ("id" varchar(36) PRIMARY KEY NOT NULL, "name" varchar(200) NOT NULL, "description" varchar(500), "created_at" bigint NOT NULL)',
  'CREATE TABLE "api_key_roles" ("id" varchar(36) PRIMARY KEY NOT NULL, "name" varchar(100) NOT NULL, "created_at" bigint NOT NULL)',
  'CREATE TABLE "api_key_owners" ("owner_id" varchar(191) PRIMARY KEY NOT NULL, "active_keys" integer NOT NULL DEFAULT (0))',
  'CREATE TABLE "api_keys" ("id" varchar(36) PRIMARY KEY NOT NULL, "lineage_id" varchar(36) NOT NULL, "owner_id" varchar(191) NOT NULL, "name" varchar(200), "namespace" varchar(100) NOT NULL, "environment" varchar(100), "start" varchar(40) NOT NULL, "last4" varchar(4) NOT NULL, "hash" varchar(64) NOT NULL, "hash_version" varchar(32) NOT NULL, "meta" text NOT NULL, "allowed_ips" text NOT NULL, "enabled" boolean NOT NULL, "disabled_by" varchar(10), "created_at" bigint NOT NULL, "updated_at" bigint NOT NULL, "expires_at" bigint, "max_idle_ms" bigint, "last_used_at" bigint, "revoked_at" bigint, "rotated_from_id" varchar(36), "rotated_to_id" varchar(36), "rotation_grace_ends_at" bigint, "parent_key_id" varchar(36), CONSTRAINT "FK_api_keys_rotated_from" FOREIGN KEY ("rotated_from_id") REFERENCES "api_keys" ("id") ON DELETE SET NULL ON UPDATE NO ACTION, CONSTRAINT "FK_api_keys_rotated_to" FOREIGN KEY ("rotated_to_id") REFERENCES "api_keys" ("id") ON DELETE SET NULL ON UPDATE NO ACTION, CONSTRAINT "FK_api_keys_parent" FOREIGN KEY ("parent_key_id") REFERENCES "api_keys" ("id") ON DELETE SET NULL ON UPDATE NO ACTION)',
  'CREATE TABLE "api_key_permission_grants" ("key_id" varchar(36) NOT NULL, "permission_id" varchar(36) NOT NULL, CONSTRAINT "FK_api_key_permission_grants_key" FOREIGN KEY ("key_id") REFERENCES "api_keys" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, CONSTRAINT "FK_api_key_permission_grants_permission" FOREIGN KEY ("permission_id") REFERENCES "api_key_permissions" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, PRIMARY KEY ("key_id", "permission_id"))',
  'CREATE TABLE "api_key_role_grants" ("key_id" varchar(36) NOT NULL, "role_id" varchar(36) NOT NULL, CONSTRAINT "FK_api_key_role_grants_key" FOREIGN KEY ("key_id") REFERENCES "api_keys" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, CONSTRAINT "FK_api_key_role_grants_role" FOREIGN KEY ("role_id") REFERENCES "api_key_roles" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, PRIMARY KEY ("key_id", "role_id"))',
  'CREATE TABLE "api_key_role_permissions" ("role_id" varchar(36) NOT NULL, "permission_id" varchar(36) NOT NULL, CONSTRAINT "FK_api_key_role_permissions_role" FOREIGN KEY ("role_id") REFERENCES "api_key_roles" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, CONSTRAINT "FK_api_key_role_permissions_permission" FOREIGN KEY ("permission_id") REFERENCES "api_key_permissions" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, PRIMARY KEY ("role_id", "permission_id"))',
  'CREATE UNIQUE INDEX "UQ_api_key_permissions_name" ON "api_key_permissions" ("name")',
  'CREATE INDEX "IDX_api_key_permission_grants_permission" ON "api_key_permission_grants" ("permission_id")',
  'CREATE INDEX "IDX_api_key_role_grants_role" ON "api_key_role_grants" ("role_id")',
  'CREATE INDEX "IDX_api_key_role_permissions_permission" ON "api_key_role_permissions" ("permission_id")',
  'CREATE INDEX "IDX_api_keys_created" ON "api_keys" ("created_at", "id")',
  'CREATE INDEX "IDX_api_keys_lineage" ON "api_keys" ("lineage_id")',
  'CREATE INDEX "IDX_api_keys_owner_created" ON "api_keys" ("owner_id", "created_at", "id")',
  'CREATE UNIQUE INDEX "UQ_api_keys_hash" ON "api_keys" ("hash")',
  'CREATE UNIQUE INDEX "UQ_api_key_roles_name" ON "api_key_roles" ("name")',
];

const SQLITE_DOWN = [
  'DROP TABLE "api_key_role_permissions"',
  'DROP TABLE "api_key_role_grants"',
  'DROP TABLE "api_key_permission_grants"',
  'DROP TABLE "api_keys"',
  'DROP TABLE "api_key_owners"',
  'DROP TABLE "api_key_roles"',
  'DROP TABLE "api_key_permissions"',
];

/** Creates every table of nest-api-keys (PostgreSQL, MySQL/MariaDB, SQLite). */
export class ApiKeysInitialSchema1763800000000 implements MigrationInterface {
  name = 'ApiKeysInitialSchema1763800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await runForFamily(queryRunner, { postgres: POSTGRES_UP, mysql: MYSQL_UP, sqlite: SQLITE_UP });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await runForFamily(queryRunner, { postgres: POSTGRES_DOWN, mysql: MYSQL_DOWN, sqlite: SQLITE_DOWN });
  }
}
