import type { QueryRunner } from 'typeorm';
import { lane } from './databases.js';
import type { TestApp } from './test-app.js';

/**
 * Blocks reads of `api_keys` (or another `table`) from another connection until the returned release runs:
 * PostgreSQL `LOCK TABLE … ACCESS EXCLUSIVE` in an open transaction, MariaDB `LOCK TABLES
 * … WRITE`. SQLite has no such lock that stays asynchronous (better-sqlite3 would block the
 * event loop), so there every statement of the app's DataSource answers only after the release
 * (its statements cannot hang for real: better-sqlite3 is synchronous).
 */
export async function hangKeyLookups(t: TestApp, table = 'api_keys'): Promise<() => Promise<void>> {
  if (lane === 'sqlite') {
    const prototype = Object.getPrototypeOf(t.dataSource.createQueryRunner());
    const query = prototype.query;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const spy = jest.spyOn(prototype, 'query').mockImplementation(function (this: unknown, ...args: unknown[]) {
      return released.then(() => query.apply(this, args));
    });
    return async () => {
      spy.mockRestore();
      release();
    };
  }
  const runner: QueryRunner = t.dataSource.createQueryRunner();
  await runner.connect();
  if (lane === 'postgres') {
    const schema = (t.dataSource.options as { schema: string }).schema;
    await runner.startTransaction();
    await runner.query(`LOCK TABLE "${schema}"."${table}" IN ACCESS EXCLUSIVE MODE`);
    return async () => {
      await runner.rollbackTransaction();
      await runner.release();
    };
  }
  await runner.query(`LOCK TABLES \`${table}\` WRITE`);
  return async () => {
    await runner.query('UNLOCK TABLES');
    await runner.release();
  };
}
