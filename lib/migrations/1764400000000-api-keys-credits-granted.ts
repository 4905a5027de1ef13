import type { MigrationInterface, QueryRunner } from 'typeorm';
import { runForFamily } from './migration-dialect.js';

// `credits.threshold` (SPEC §8) measures the credits used against the period's refill amount,
// or, for a key without refill, against the balance it was granted: `api_keys.credits_granted`,
// set whenever a create or an update sets `remaining`. Keys stored before count from the
// balance they hold now.

const POSTGRES_UP = ['ALTER TABLE "api_keys" ADD "credits_granted" bigint', 'UPDATE "api_keys" SET "credits_granted" = "remaining"'];
const POSTGRES_DOWN = ['ALTER TABLE "api_keys" DROP COLUMN "credits_granted"'];

const MYSQL_UP = ['ALTER TABLE `api_keys` ADD `credits_granted` bigint NULL', 'UPDATE `api_keys` SET `credits_granted` = `remaining`'];
const MYSQL_DOWN = ['ALTER TABLE `api_keys` DROP COLUMN `credits_granted`'];

const SQLITE_UP = ['ALTER TABLE "api_keys" ADD COLUMN "credits_granted" bigint', 'UPDATE "api_keys" SET "credits_granted" = "remaining"'];
const SQLITE_DOWN = ['ALTER TABLE "api_keys" DROP COLUMN "credits_granted"'];

/** Adds `api_keys.credits_granted`, the base of credit thresholds for keys without refill. */
export class ApiKeysCreditsGranted1764400000000 implements MigrationInterface {
  name = 'ApiKeysCreditsGranted1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await runForFamily(queryRunner, { postgres: POSTGRES_UP, mysql: MYSQL_UP, sqlite: SQLITE_UP });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await runForFamily(queryRunner, { postgres: POSTGRES_DOWN, mysql: MYSQL_DOWN, sqlite: SQLITE_DOWN });
  }
}
