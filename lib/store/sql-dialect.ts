import type { DataSource, EntityManager } from 'typeorm';
import { ApiKeyEntity } from '../entities/api-key.entity.js';
import { REFILL_INTERVALS, type RefillInterval } from '../interfaces/quota.interface.js';

/** The start of the UTC period holding "now", per refill interval (SPEC §11). @internal */
export type RefillPeriods = Record<RefillInterval, number>;

/**
 * The SQL that differs between databases, in one place (DESIGN rule 11). Today: spending
 * credits in ONE atomic conditional statement that also answers the balance right after
 * this call's own decrement, so concurrent callers each see a distinct balance.
 * @internal
 */
export interface SqlDialect {
  /**
   * Whether `spendCredits` applies a due refill in the same statement (PostgreSQL, SQLite).
   * When false (MySQL/MariaDB) the caller refills first.
   */
  readonly refillsWithSpend: boolean;
  /**
   * Takes `cost` credits from an unrevoked key that still holds its balance (not rotated
   * away) and has at least `cost` — after a due refill when `refillsWithSpend`. Answers the
   * new balance, or null when nothing was taken (a due refill included).
   */
  spendCredits(keyId: string, cost: number, periods: RefillPeriods): Promise<number | null>;
}

/** The SQL families the library supports. @internal */
export type SqlFamily = 'postgres' | 'mysql' | 'sqlite';

/** The family of a TypeORM driver type; other databases are refused. @internal */
export function sqlFamilyOf(type: string): SqlFamily {
  if (type === 'postgres' || type === 'aurora-postgres' || type === 'cockroachdb') return 'postgres';
  if (type === 'mysql' || type === 'mariadb' || type === 'aurora-mysql') return 'mysql';
  if (type === 'better-sqlite3' || type === 'sqljs' || type === 'capacitor') return 'sqlite';
  throw new Error(`nest-api-keys: supports PostgreSQL, MySQL/MariaDB and SQLite (better-sqlite3), not '${type}'.`);
}

/**
 * The lightest row lock that still conflicts with deleting the row: PostgreSQL's `FOR KEY SHARE`
 * (what its own foreign-key checks take), a shared lock on MySQL/MariaDB. SQLite has no row
 * locks (the WriteSerializer runs the library's writes one at a time): null.
 * @internal
 */
export function keyShareLockMode(family: SqlFamily): 'for_key_share' | 'pessimistic_read' | null {
  return family === 'postgres' ? 'for_key_share' : family === 'mysql' ? 'pessimistic_read' : null;
}

/**
 * Inserts a row unless one with the same unique key exists (a concurrent insert of it is not an
 * error), for a transaction that goes on to lock the row for update. On MySQL/MariaDB `INSERT
 * IGNORE` would leave a shared lock on an existing row, and two transactions upgrading theirs to
 * the update lock deadlock each other (every time, 24 at once): there a no-op `ON DUPLICATE KEY
 * UPDATE` takes the exclusive lock at once. PostgreSQL's `ON CONFLICT DO NOTHING` and SQLite's
 * `INSERT OR IGNORE` lock nothing they did not insert.
 * @internal
 */
export async function insertUnlessExists(manager: EntityManager, entity: Function, values: Record<string, unknown>): Promise<void> {
  const dataSource = manager.connection;
  if (sqlFamilyOf(dataSource.options.type) !== 'mysql') {
    await manager.createQueryBuilder().insert().into(entity).values(values).orIgnore().execute();
    return;
  }
  const metadata = dataSource.getMetadata(entity);
  const columns = Object.keys(values).map((property) =>
    dataSource.driver.escape(metadata.findColumnWithPropertyName(property)!.databaseName),
  );
  const id = dataSource.driver.escape(metadata.primaryColumns[0].databaseName);
  await manager.query(
    `INSERT INTO ${qualifiedTable(dataSource, entity)} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) ` +
      `ON DUPLICATE KEY UPDATE ${id} = ${id}`,
    Object.values(values),
  );
}

/** The n-th bind parameter in the family's style. @internal */
export function bindParameter(family: SqlFamily, n: number): string {
  return family === 'postgres' ? `$${n}` : '?';
}

/** The escaped, schema-qualified name of an entity's table. @internal */
export function qualifiedTable(dataSource: DataSource, entity: Function): string {
  const metadata = dataSource.getMetadata(entity);
  const parts = [metadata.schema, metadata.tableName].filter((part): part is string => !!part);
  return parts.map((part) => dataSource.driver.escape(part)).join('.');
}

export function sqlDialectFor(dataSource: DataSource): SqlDialect {
  const family = sqlFamilyOf(dataSource.options.type);
  const table = qualifiedTable(dataSource, ApiKeyEntity);
  if (family === 'mysql') return new MySqlDialect(dataSource, table);
  return new ReturningDialect(dataSource, table, family);
}

async function runStructured(dataSource: DataSource, sql: string, parameters: unknown[]) {
  const runner = dataSource.createQueryRunner();
  try {
    return await runner.query(sql, parameters, true);
  } finally {
    await runner.release();
  }
}

/**
 * PostgreSQL and SQLite: the refill check, the refill and the spend in one `UPDATE … RETURNING`.
 * The refill is due when the row's interval has a period start after its `last_refill_at`
 * (read from the row itself, so a stale cached row cannot mislead it); then the balance is
 * `max(remaining, refill_amount)` and `last_refill_at` moves to the period (the compare-and-swap
 * of SPEC §11: the row lock makes concurrent callers at a boundary see the first one's claim).
 * The spend needs that balance ≥ cost, else nothing is written, refill included.
 */
class ReturningDialect implements SqlDialect {
  readonly refillsWithSpend = true;
  private readonly sql: string;
  private readonly order: Array<'cost' | 'id' | RefillInterval>;

  constructor(
    private readonly dataSource: DataSource,
    table: string,
    family: SqlFamily,
  ) {
    // Named values to bind parameters: PostgreSQL numbers each once and reuses it; SQLite's `?`
    // takes one value per use.
    const order: Array<'cost' | 'id' | RefillInterval> = [];
    const bind = (name: 'cost' | 'id' | RefillInterval) => {
      if (family === 'postgres') {
        const index = order.indexOf(name);
        if (index >= 0) return `$${index + 1}`;
      }
      order.push(name);
      return bindParameter(family, order.length);
    };
    const period = () =>
      `CASE "refill_interval" ${REFILL_INTERVALS.map((interval) => `WHEN '${interval}' THEN CAST(${bind(interval)} AS BIGINT)`).join(' ')} END`;
    const due = () =>
      `("refill_amount" IS NOT NULL AND "refill_interval" IS NOT NULL AND ("last_refill_at" IS NULL OR "last_refill_at" < ${period()}))`;
    const balance = () => `CASE WHEN ${due()} AND "remaining" < "refill_amount" THEN "refill_amount" ELSE "remaining" END`;
    this.sql =
      `UPDATE ${table} SET "remaining" = ${balance()} - ${bind('cost')}, ` +
      `"last_refill_at" = CASE WHEN ${due()} THEN ${period()} ELSE "last_refill_at" END ` +
      `WHERE "id" = ${bind('id')} AND "remaining" IS NOT NULL AND "revoked_at" IS NULL AND "rotation_grace_ends_at" IS NULL ` +
      `AND ${balance()} >= ${bind('cost')} RETURNING "remaining"`;
    this.order = order;
  }

  async spendCredits(keyId: string, cost: number, periods: RefillPeriods): Promise<number | null> {
    const values = { cost, id: keyId, ...periods };
    const result = await runStructured(
      this.dataSource,
      this.sql,
      this.order.map((name) => values[name]),
    );
    const row = (result.records as Array<{ remaining: string | number }>)[0];
    return row ? Number(row.remaining) : null;
  }
}

/**
 * MySQL/MariaDB have no `UPDATE … RETURNING` (MariaDB only from 13.0): the new balance is
 * routed through `LAST_INSERT_ID(expr)`, which the server reports back as this statement's
 * insert id on the same connection. The refill is the caller's statement before it.
 */
class MySqlDialect implements SqlDialect {
  readonly refillsWithSpend = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly table: string,
  ) {}

  async spendCredits(keyId: string, cost: number): Promise<number | null> {
    const sql =
      `UPDATE ${this.table} SET \`remaining\` = LAST_INSERT_ID(\`remaining\` - ?) ` +
      'WHERE `id` = ? AND `remaining` >= ? AND `revoked_at` IS NULL AND `rotation_grace_ends_at` IS NULL';
    const result = await runStructured(this.dataSource, sql, [cost, keyId, cost]);
    const header = result.raw as { affectedRows?: number; insertId?: number | string };
    return header.affectedRows === 1 ? Number(header.insertId) : null;
  }
}
