import type { DataSource, EntityManager } from 'typeorm';

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
    private readonly serialize: boolean,
  ) {}

  private static readonly perDataSource = new WeakMap<DataSource, WriteSerializer>();

  static for(dataSource: DataSource): WriteSerializer {
    let serializer = this.perDataSource.get(dataSource);
    if (!serializer) {
      const type = dataSource.options.type;
      serializer = new WriteSerializer(dataSource, type === 'better-sqlite3' || type === 'sqljs' || type === 'capacitor');
      this.perDataSource.set(dataSource, serializer);
    }
    return serializer;
  }

  /** A single write statement (or several that need no atomicity). */
  write<T>(work: () => Promise<T>): Promise<T> {
    if (!this.serialize) return work();
    const result = this.tail.then(work, work);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** A transaction; on SQLite nothing else of ours runs while it is open. */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.write(() => this.dataSource.transaction(work));
  }
}
