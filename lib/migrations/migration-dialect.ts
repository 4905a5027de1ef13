import type { QueryRunner } from 'typeorm';
import { sqlFamilyOf, type SqlFamily } from '../store/sql-dialect.js';

/** Qualifies the library's tables (and dropped indexes) with the DataSource's PostgreSQL schema. */
function inSchema(statement: string, schema: string | undefined): string {
  if (!schema) return statement;
  const quoted = `"${schema.replaceAll('"', '""')}"`;
  return statement.replace(/"(api_key[a-z_]*)"/g, `${quoted}."$1"`).replace(/^DROP INDEX "/, `DROP INDEX ${quoted}."`);
}

/** Runs the statements written for the runner's database family, in order. @internal */
export async function runForFamily(queryRunner: QueryRunner, statements: Record<SqlFamily, readonly string[]>): Promise<void> {
  const family = sqlFamilyOf(queryRunner.connection.driver.options.type);
  const schema = family === 'postgres' ? (queryRunner.connection.driver.options as { schema?: string }).schema : undefined;
  for (const sql of statements[family]) await queryRunner.query(inSchema(sql, schema));
}
