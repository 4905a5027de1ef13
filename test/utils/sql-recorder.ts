import type { Logger as TypeOrmLogger } from 'typeorm';

/** Tables written by the usage feature's background flush and retention, never by a request itself. */
const USAGE_TABLES = /api_key_usage_rollups|api_key_verifications/;

/**
 * Records every SQL statement a DataSource runs: pass it as the TypeORM `logger` with
 * `logging: true` to count queries (e.g. that a malformed key costs none). Statements on the
 * usage tables are kept apart in `usage`: verifications are counted in memory and written by a
 * timer, so they are never part of the request that is being measured.
 */
export class SqlRecorder implements TypeOrmLogger {
  statements: string[] = [];
  /** Statements on the usage tables (flushes, retention, usage queries). */
  usage: string[] = [];

  get count(): number {
    return this.statements.length;
  }

  /** Forgets what was recorded so far (count from here). */
  reset(): void {
    this.statements = [];
    this.usage = [];
  }

  logQuery(query: string): void {
    (USAGE_TABLES.test(query) ? this.usage : this.statements).push(query);
  }

  /** UPDATE statements that touch credits (a spend or a refill). */
  creditWrites(): string[] {
    return this.statements.filter((sql) => /^\s*UPDATE\b/i.test(sql) && /remaining/i.test(sql));
  }

  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}
