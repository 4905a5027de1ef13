import type { Logger as TypeOrmLogger } from 'typeorm';

/**
 * Records every SQL statement a DataSource runs: pass it as the TypeORM `logger` with
 * `logging: true` to count queries (e.g. that a malformed key costs none).
 */
export class SqlRecorder implements TypeOrmLogger {
  statements: string[] = [];

  get count(): number {
    return this.statements.length;
  }

  /** Forgets what was recorded so far (count from here). */
  reset(): void {
    this.statements = [];
  }

  logQuery(query: string): void {
    this.statements.push(query);
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
