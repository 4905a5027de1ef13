import type { DataSource, EntityManager } from 'typeorm';
import { isDeadlock } from './driver-errors.js';
import { sqlFamilyOf } from './sql-dialect.js';

/**
 * Runs the library's writes one at a time on SQLite.
 *
 * TypeORM's better-sqlite3 driver shares one connection: two overlapping transactions fail,
 * and a plain write issued while a transaction is open is rolled back with it while
 * reporting success. Every library write therefore goes through this queue on SQLite; the
 * servers (PostgreSQL, MySQL) use a pooled connection per transaction and need no queue.
 * One queue per DataSource, shared by every module instance on it.
 * @internal
 */
export class WriteSerializer {
  private tail: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly dataSource: DataSource,
    /** Whether writes run one at a time (SQLite's single shared connection). */
    readonly serializes: boolean,
  ) {}

  private static readonly perDataSource = new WeakMap<DataSource, WriteSerializer>();

  static for(dataSource: DataSource): WriteSerializer {
    let serializer = this.perDataSource.get(dataSource);
    if (!serializer) {
      serializer = new WriteSerializer(dataSource, sqlFamilyOf(dataSource.options.type) === 'sqlite');
      this.perDataSource.set(dataSource, serializer);
    }
    return serializer;
  }

  /**
   * A single write statement (or several that need no atomicity), or a read that must not
   * see the uncommitted state of a transaction on the shared SQLite connection.
   */
  write<T>(work: () => Promise<T>): Promise<T> {
    if (!this.serializes) return work();
    const result = this.tail.then(work, work);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /**
   * A transaction; on SQLite nothing else of ours runs while it is open. On the servers it
   * runs at READ COMMITTED whatever the host's default: MySQL/MariaDB's REPEATABLE READ
   * snapshot would hide rows a concurrent transaction committed meanwhile (a permission that
   * another create just added, whose insert ours skipped as a duplicate), so the grant would
   * be lost silently. A transaction the database chose as a deadlock victim is run again
   * from scratch (it was rolled back whole), as PostgreSQL and MySQL advise.
   */
  async transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (this.serializes) return this.write(() => this.dataSource.transaction(work));
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.dataSource.transaction('READ COMMITTED', work);
      } catch (error) {
        if (attempt >= MAX_DEADLOCK_ATTEMPTS || !isDeadlock(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
      }
    }
  }
}

const MAX_DEADLOCK_ATTEMPTS = 5;
