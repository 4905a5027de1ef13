import type { MigrationInterface, QueryRunner } from 'typeorm';
import { runForFamily } from './migration-dialect.js';

// `api_key_owners.active_keys` exists since the initial schema but nothing kept it until
// `maxKeysPerOwner` (SPEC §11): this migration counts the keys already stored, so the cap is
// exact on a database that had keys before. Every owner with an unrevoked key gets a row, and
// every owner row gets the number of its keys that are not revoked. No schema change.

const POSTGRES_UP = [
  'INSERT INTO "api_key_owners" ("owner_id", "active_keys") SELECT k."owner_id", 0 FROM "api_keys" k WHERE k."revoked_at" IS NULL GROUP BY k."owner_id" ON CONFLICT ("owner_id") DO NOTHING',
  'UPDATE "api_key_owners" AS o SET "active_keys" = (SELECT COUNT(*) FROM "api_keys" k WHERE k."owner_id" = o."owner_id" AND k."revoked_at" IS NULL)',
];

const MYSQL_UP = [
  'INSERT IGNORE INTO `api_key_owners` (`owner_id`, `active_keys`) SELECT k.`owner_id`, 0 FROM `api_keys` k WHERE k.`revoked_at` IS NULL GROUP BY k.`owner_id`',
  'UPDATE `api_key_owners` o SET o.`active_keys` = (SELECT COUNT(*) FROM `api_keys` k WHERE k.`owner_id` = o.`owner_id` AND k.`revoked_at` IS NULL)',
];

const SQLITE_UP = [
  'INSERT OR IGNORE INTO "api_key_owners" ("owner_id", "active_keys") SELECT k."owner_id", 0 FROM "api_keys" k WHERE k."revoked_at" IS NULL GROUP BY k."owner_id"',
  'UPDATE "api_key_owners" SET "active_keys" = (SELECT COUNT(*) FROM "api_keys" k WHERE k."owner_id" = "api_key_owners"."owner_id" AND k."revoked_at" IS NULL)',
];

/** Counts the keys stored before `maxKeysPerOwner` into `api_key_owners.active_keys` (SPEC §5, §11). */
export class ApiKeysOwnerCounts1764050000000 implements MigrationInterface {
  name = 'ApiKeysOwnerCounts1764050000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await runForFamily(queryRunner, { postgres: POSTGRES_UP, mysql: MYSQL_UP, sqlite: SQLITE_UP });
  }

  /** Nothing to undo: the counts are data in a column of the initial schema, and stay right. */
  async down(): Promise<void> {}
}
