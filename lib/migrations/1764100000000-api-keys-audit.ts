import type { MigrationInterface, QueryRunner } from 'typeorm';
import { sqlFamilyOf } from '../store/sql-dialect.js';
import { exactCollation } from './1764000000000-api-keys-exact-identifiers.js';
import { runForFamily } from './migration-dialect.js';

// The audit trail (SPEC §5, §8): one row per change, written in the change's transaction. Ids,
// not foreign keys: the trail outlives a purged key. One index per filter of GET /audit-events,
// each ending in (at, id), the order pages are read in. On MySQL/MariaDB the columns a filter
// compares (actor, key, owner) use the binary NO PAD collation from the start, so `ACME` or
// `acme ` never reads acme's trail.

const INDEXES: Array<[name: string, columns: string[]]> = [
  ['IDX_api_key_audit_events_action', ['action', 'at', 'id']],
  ['IDX_api_key_audit_events_actor', ['actor_id', 'at', 'id']],
  ['IDX_api_key_audit_events_owner', ['owner_id', 'at', 'id']],
  ['IDX_api_key_audit_events_key', ['key_id', 'at', 'id']],
  ['IDX_api_key_audit_events_at', ['at', 'id']],
];
const createIndexes = () =>
  INDEXES.map(([name, columns]) => `CREATE INDEX "${name}" ON "api_key_audit_events" (${columns.map((c) => `"${c}"`).join(', ')})`);

const POSTGRES_UP = [
  'CREATE TABLE "api_key_audit_events" ("id" character varying(36) NOT NULL, "action" character varying(32) NOT NULL, "actor_id" character varying(191) NOT NULL, "key_id" character varying(36), "owner_id" character varying(191), "ip" character varying(45), "at" bigint NOT NULL, "details" text NOT NULL, CONSTRAINT "PK_api_key_audit_events" PRIMARY KEY ("id"))',
  ...createIndexes(),
];
const POSTGRES_DOWN = [...INDEXES.map(([name]) => `DROP INDEX "${name}"`), 'DROP TABLE "api_key_audit_events"'];

const mysqlUp = (collation: string) => {
  const exact = `CHARACTER SET utf8mb4 COLLATE ${collation}`;
  const indexes = INDEXES.map(([name, columns]) => `INDEX \`${name}\` (${columns.map((c) => `\`${c}\``).join(', ')})`);
  return [
    'CREATE TABLE `api_key_audit_events` (`id` varchar(36) NOT NULL, `action` varchar(32) NOT NULL, ' +
      `\`actor_id\` varchar(191) ${exact} NOT NULL, \`key_id\` varchar(36) ${exact} NULL, \`owner_id\` varchar(191) ${exact} NULL, ` +
      '`ip` varchar(45) NULL, `at` bigint NOT NULL, `details` text NOT NULL, ' +
      `${indexes.join(', ')}, PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
  ];
};
const MYSQL_DOWN = ['DROP TABLE `api_key_audit_events`'];

const SQLITE_UP = [
  'CREATE TABLE "api_key_audit_events" ("id" varchar(36) PRIMARY KEY NOT NULL, "action" varchar(32) NOT NULL, "actor_id" varchar(191) NOT NULL, "key_id" varchar(36), "owner_id" varchar(191), "ip" varchar(45), "at" bigint NOT NULL, "details" text NOT NULL)',
  ...createIndexes(),
];
const SQLITE_DOWN = ['DROP TABLE "api_key_audit_events"'];

/** Adds `api_key_audit_events`, the audit trail. */
export class ApiKeysAudit1764100000000 implements MigrationInterface {
  name = 'ApiKeysAudit1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const mysql = sqlFamilyOf(queryRunner.connection.driver.options.type) === 'mysql' ? mysqlUp(await exactCollation(queryRunner)) : [];
    await runForFamily(queryRunner, { postgres: POSTGRES_UP, mysql, sqlite: SQLITE_UP });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await runForFamily(queryRunner, { postgres: POSTGRES_DOWN, mysql: MYSQL_DOWN, sqlite: SQLITE_DOWN });
  }
}
