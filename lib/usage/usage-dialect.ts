import type { DataSource } from 'typeorm';
import { bindParameter, qualifiedTable, sqlFamilyOf, type SqlFamily } from '../store/sql-dialect.js';
import { ApiKeyUsageRollupEntity } from './api-key-usage-rollup.entity.js';

/** The columns of a rollup row, in the order the upsert binds them. @internal */
export const ROLLUP_COLUMNS = ['key_id', 'hour_start', 'code', 'owner_id', 'namespace', 'count', 'spent'] as const;

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
  /** A condition: `column` holds `:parameter` as a substring (exact, case-sensitive). */
  contains(column: string, parameter: string): string;
}

export function usageDialectFor(dataSource: DataSource): UsageDialect {
  const family = sqlFamilyOf(dataSource.options.type);
  const table = qualifiedTable(dataSource, ApiKeyUsageRollupEntity);
  const q = (name: string) => dataSource.driver.escape(name);
  const columns = ROLLUP_COLUMNS.map(q).join(', ');
  const values = (rows: number) => {
    const tuples: string[] = [];
    for (let row = 0, n = 1; row < rows; row++) {
      tuples.push(`(${ROLLUP_COLUMNS.map(() => bindParameter(family, n++)).join(', ')})`);
    }
    return tuples.join(', ');
  };
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
  return { upsertRollups: upserts[family], contains: contains[family] };
}
