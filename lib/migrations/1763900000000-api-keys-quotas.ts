import type { MigrationInterface, QueryRunner } from 'typeorm';
import { runForFamily } from './migration-dialect.js';

// Credits (remaining, refill) and rate limits on keys, shared rate limits on owners.
// All columns are nullable, so existing rows stay valid (unlimited, no own limits).

const POSTGRES_UP = [
  'ALTER TABLE "api_key_owners" ADD "rate_limits" text',
  'ALTER TABLE "api_keys" ADD "remaining" bigint',
  'ALTER TABLE "api_keys" ADD "refill_amount" bigint',
  'ALTER TABLE "api_keys" ADD "refill_interval" character varying(10)',
  'ALTER TABLE "api_keys" ADD "last_refill_at" bigint',
  'ALTER TABLE "api_keys" ADD "rate_limits" text',
];

const MYSQL_UP = [
  'ALTER TABLE `api_key_owners` ADD `rate_limits` text NULL',
  'ALTER TABLE `api_keys` ADD `remaining` bigint NULL',
  'ALTER TABLE `api_keys` ADD `refill_amount` bigint NULL',
  'ALTER TABLE `api_keys` ADD `refill_interval` varchar(10) NULL',
  'ALTER TABLE `api_keys` ADD `last_refill_at` bigint NULL',
  'ALTER TABLE `api_keys` ADD `rate_limits` text NULL',
];

const SQLITE_UP = [
  'ALTER TABLE "api_key_owners" ADD COLUMN "rate_limits" text',
  'ALTER TABLE "api_keys" ADD COLUMN "remaining" bigint',
  'ALTER TABLE "api_keys" ADD COLUMN "refill_amount" bigint',
  'ALTER TABLE "api_keys" ADD COLUMN "refill_interval" varchar(10)',
  'ALTER TABLE "api_keys" ADD COLUMN "last_refill_at" bigint',
  'ALTER TABLE "api_keys" ADD COLUMN "rate_limits" text',
];

const COLUMNS: Array<[string, string]> = [
  ['api_keys', 'rate_limits'],
  ['api_keys', 'last_refill_at'],
  ['api_keys', 'refill_interval'],
  ['api_keys', 'refill_amount'],
  ['api_keys', 'remaining'],
  ['api_key_owners', 'rate_limits'],
];
const dropAll = (q: string) => COLUMNS.map(([table, column]) => `ALTER TABLE ${q}${table}${q} DROP COLUMN ${q}${column}${q}`);

/** Adds credits and rate limits (SPEC §5, §6). */
export class ApiKeysQuotas1763900000000 implements MigrationInterface {
  name = 'ApiKeysQuotas1763900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await runForFamily(queryRunner, { postgres: POSTGRES_UP, mysql: MYSQL_UP, sqlite: SQLITE_UP });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await runForFamily(queryRunner, { postgres: dropAll('"'), mysql: dropAll('`'), sqlite: dropAll('"') });
  }
}
