import type { MigrationInterface, QueryRunner } from 'typeorm';
import { initialSchemaStatements } from './initial-schema.sql.js';

/** Creates every table of nest-api-keys (PostgreSQL, MySQL/MariaDB, SQLite). */
export class ApiKeysInitialSchema1763800000000 implements MigrationInterface {
  name = 'ApiKeysInitialSchema1763800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of initialSchemaStatements(queryRunner, 'up')) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of initialSchemaStatements(queryRunner, 'down')) await queryRunner.query(sql);
  }
}
