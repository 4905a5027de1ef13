import type { QueryRunner } from 'typeorm';

/** The SQL families the migrations are written for. @internal */
export type SqlFamily = 'postgres' | 'mysql' | 'sqlite';

export function sqlFamilyOf(queryRunner: QueryRunner): SqlFamily {
  const type = queryRunner.connection.driver.options.type;
  if (type === 'postgres' || type === 'aurora-postgres' || type === 'cockroachdb') return 'postgres';
  if (type === 'mysql' || type === 'mariadb' || type === 'aurora-mysql') return 'mysql';
  if (type === 'better-sqlite3' || type === 'sqljs' || type === 'capacitor') return 'sqlite';
  throw new Error(`nest-api-keys: API_KEYS_MIGRATIONS support PostgreSQL, MySQL/MariaDB and SQLite, not '${type}'.`);
}

/** Qualifies the library's tables (and dropped indexes) with the DataSource's PostgreSQL schema. */
function inSchema(statement: string, schema: string | undefined): string {
  if (!schema) return statement;
  const quoted = `"${schema.replaceAll('"', '""')}"`;
  return statement
    .replace(/"(api_key[a-z_]*)"/g, `${quoted}."$1"`)
    .replace(/^DROP INDEX "/, `DROP INDEX ${quoted}."`);
}

/** Runs the statements written for the runner's database family, in order. @internal */
export async function runForFamily(queryRunner: QueryRunner, statements: Record<SqlFamily, readonly string[]>): Promise<void> {
  const family = sqlFamilyOf(queryRunner);
  const schema = family === 'postgres' ? (queryRunner.connection.driver.options as { schema?: string }).schema : undefined;
  for (const sql of statements[family]) await queryRunner.query(inSchema(sql, schema));
}
