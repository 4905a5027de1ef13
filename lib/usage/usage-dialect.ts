import type { DataSource } from 'typeorm';
import { bindParameter, qualifiedTable, sqlFamilyOf, type SqlFamily } from '../store/sql-dialect.js';
import { ApiKeyUsageRollupEntity } from './api-key-usage-rollup.entity.js';
import { ApiKeyVerificationEntity } from './api-key-verification.entity.js';

/** The columns of a rollup row, in the order the upsert binds them. @internal */
export const ROLLUP_COLUMNS = ['key_id', 'hour_start', 'code', 'owner_id', 'namespace', 'count', 'spent'] as const;

/** The columns of a log row, in the order the insert binds them. @internal */
export const LOG_COLUMNS = ['id', 'key_id', 'owner_id', 'at', 'code', 'cost', 'ip', 'tags'] as const;
/** A log row's values in LOG_COLUMNS order. @internal */
export type LogValues = [
  id: string,
  keyId: string,
  ownerId: string,
  at: number,
  code: string,
  cost: number,
  ip: string | null,
  tags: string | null,
];
/** PostgreSQL's array type of each log column, for `unnest`. */
const LOG_ARRAY_TYPES = ['varchar[]', 'varchar[]', 'varchar[]', 'bigint[]', 'varchar[]', 'bigint[]', 'varchar[]', 'text[]'] as const;
/** SQL texts of the log insert kept per row count (a flush writes a few distinct counts). */
const MAX_CACHED_INSERTS = 32;

/**
 * The usage SQL that differs between databases, in one place (DESIGN rule 11): the additive
 * upsert of rollup rows — counts are added to what is stored in the same statement, never read
 * and written back, so several instances flushing the same row stay exact — and the exact
 * "has this tag" test on the log's tag column.
 * @internal
 */
export interface UsageDialect {
  /** `INSERT … (ROLLUP_COLUMNS) VALUES (…) × rows` that adds count and spent to an existing row. */
  upsertRollups(rows: number): string;
  /**
   * ONE statement inserting these log rows that skips a row whose id is already stored (a
   * retried flush), with its bind values: `ON CONFLICT DO NOTHING` on PostgreSQL and SQLite,
   * `INSERT IGNORE` on MySQL/MariaDB, as TypeORM's `orIgnore()` writes it. Raw SQL: the query
   * builder spent ~1.5 ms of Node CPU on 100 rows. On PostgreSQL (the pg driver) the rows go as
   * one array per column through `unnest`: 8 bind values instead of 800, which took the server
   * ~2 ms to parse and plan for every flush of a hot key.
   */
  insertLog(rows: LogValues[]): [sql: string, parameters: unknown[]];
  /** A condition: `column` holds `:parameter` as a substring (exact, case-sensitive). */
  contains(column: string, parameter: string): string;
}

export function usageDialectFor(dataSource: DataSource): UsageDialect {
  const family = sqlFamilyOf(dataSource.options.type);
  const table = qualifiedTable(dataSource, ApiKeyUsageRollupEntity);
  const q = (name: string) => dataSource.driver.escape(name);
  const columns = ROLLUP_COLUMNS.map(q).join(', ');
  const tuples = (rows: number, width: number) => {
    const all: string[] = [];
    for (let row = 0, n = 1; row < rows; row++) {
      const tuple: string[] = [];
      for (let column = 0; column < width; column++) tuple.push(bindParameter(family, n++));
      all.push(`(${tuple.join(', ')})`);
    }
    return all.join(', ');
  };
  const values = (rows: number) => tuples(rows, ROLLUP_COLUMNS.length);
  const conflict = `(${[q('key_id'), q('hour_start'), q('code')].join(', ')})`;
  const upserts: Record<SqlFamily, (rows: number) => string> = {
    postgres: (rows) =>
      `INSERT INTO ${table} AS r (${columns}) VALUES ${values(rows)} ON CONFLICT ${conflict} DO UPDATE SET ` +
      `${q('count')} = r.${q('count')} + EXCLUDED.${q('count')}, ${q('spent')} = r.${q('spent')} + EXCLUDED.${q('spent')}`,
    mysql: (rows) =>
      `INSERT INTO ${table} (${columns}) VALUES ${values(rows)} ON DUPLICATE KEY UPDATE ` +
      `${q('count')} = ${q('count')} + VALUES(${q('count')}), ${q('spent')} = ${q('spent')} + VALUES(${q('spent')})`,
    sqlite: (rows) =>
      `INSERT INTO ${table} (${columns}) VALUES ${values(rows)} ON CONFLICT ${conflict} DO UPDATE SET ` +
      `${q('count')} = ${q('count')} + excluded.${q('count')}, ${q('spent')} = ${q('spent')} + excluded.${q('spent')}`,
  };
  // MySQL 8.0.20+ deprecates VALUES() in ON DUPLICATE KEY UPDATE (a warning; still supported in 8.x and
  // 9.x); MariaDB has no row alias to use instead, so VALUES() serves both.
  // MySQL/MariaDB compare with the column's collation: binary NO PAD on the tag column.
  const contains: Record<SqlFamily, UsageDialect['contains']> = {
    postgres: (column, parameter) => `strpos(${column}, :${parameter}) > 0`,
    mysql: (column, parameter) => `LOCATE(:${parameter}, ${column}) > 0`,
    sqlite: (column, parameter) => `instr(${column}, :${parameter}) > 0`,
  };
  return { upsertRollups: upserts[family], insertLog: logInserter(dataSource, family, tuples), contains: contains[family] };
}

function logInserter(
  dataSource: DataSource,
  family: SqlFamily,
  tuples: (rows: number, width: number) => string,
): UsageDialect['insertLog'] {
  const table = qualifiedTable(dataSource, ApiKeyVerificationEntity);
  const columns = `(${LOG_COLUMNS.map((name) => dataSource.driver.escape(name)).join(', ')})`;
  if (dataSource.options.type === 'postgres') {
    const arrays = LOG_ARRAY_TYPES.map((type, n) => `$${n + 1}::${type}`).join(', ');
    const sql = `INSERT INTO ${table} ${columns} SELECT * FROM unnest(${arrays}) ON CONFLICT DO NOTHING`;
    return (rows) => [sql, LOG_COLUMNS.map((_, column) => rows.map((row) => row[column]))];
  }
  // Other PostgreSQL-family drivers (Aurora's Data API, CockroachDB) get plain VALUES: no array binding to rely on.
  const [head, tail] = family === 'mysql' ? ['INSERT IGNORE INTO', ''] : ['INSERT INTO', ' ON CONFLICT DO NOTHING'];
  const texts = new Map<number, string>();
  return (rows) => {
    let sql = texts.get(rows.length);
    if (sql === undefined) {
      if (texts.size >= MAX_CACHED_INSERTS) texts.clear();
      sql = `${head} ${table} ${columns} VALUES ${tuples(rows.length, LOG_COLUMNS.length)}${tail}`;
      texts.set(rows.length, sql);
    }
    return [sql, rows.flat()];
  };
}
