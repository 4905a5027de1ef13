import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { API_KEYS_ENTITIES, API_KEYS_MIGRATIONS } from '../../lib/index.js';

export type Lane = 'sqlite' | 'postgres' | 'mariadb';

/** The database lane this Jest project runs on (set by test/utils/lane-*.cjs). */
export const lane: Lane = (process.env.API_KEYS_TEST_DB as Lane) ?? 'sqlite';

const pg = {
  host: process.env.PGHOST ?? '127.0.0.1',
  port: Number(process.env.PGPORT ?? 5432),
  username: process.env.PGUSER ?? 'postgres',
  password: process.env.PGPASSWORD ?? '',
  database: process.env.PGDATABASE ?? 'test',
  // A commit returns before its WAL reaches the disk: visibility, locking and isolation are
  // unchanged (only a crash of the server could lose the last commits, which no test does),
  // and each of the lane's many small transactions no longer waits for an fsync.
  extra: { options: '-c synchronous_commit=off' },
};
const maria = {
  host: process.env.MYSQL_HOST ?? '127.0.0.1',
  port: Number(process.env.MYSQL_PORT ?? 3306),
  username: process.env.MYSQL_USER ?? 'root',
  password: process.env.MYSQL_PASSWORD ?? '',
};

/** A fresh, empty database (schema on PostgreSQL) for one app, and how to drop it. */
export interface TestDatabase {
  options: DataSourceOptions;
  drop(): Promise<void>;
}

/**
 * Creates a fresh database on the lane: a temporary SQLite file, a new PostgreSQL schema or a
 * new MariaDB database (with the server's default collation, as a host's would be). Apps run
 * API_KEYS_MIGRATIONS on it, the production path; `extra` can ask for synchronize instead. An
 * unreachable server throws, so the lane fails loudly.
 */
export async function createTestDatabase(extra: Partial<DataSourceOptions> = {}): Promise<TestDatabase> {
  const name = `ak_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const common = {
    entities: [...API_KEYS_ENTITIES],
    migrations: [...API_KEYS_MIGRATIONS],
    migrationsRun: true,
    synchronize: false,
    ...extra,
  } as const;
  if (lane === 'sqlite') {
    const file = join(tmpdir(), `${name}.db`);
    return {
      options: { type: 'better-sqlite3', database: file, enableWAL: true, ...common } as DataSourceOptions,
      drop: async () => {
        for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
      },
    };
  }
  if (lane === 'postgres') {
    await withAdmin({ type: 'postgres', ...pg }, `CREATE SCHEMA "${name}"`);
    return {
      options: { type: 'postgres', ...pg, schema: name, ...common } as DataSourceOptions,
      drop: () => withAdmin({ type: 'postgres', ...pg }, `DROP SCHEMA IF EXISTS "${name}" CASCADE`),
    };
  }
  await withAdmin({ type: 'mariadb', ...maria }, `CREATE DATABASE \`${name}\``);
  return {
    options: { type: 'mariadb', ...maria, database: name, ...common } as DataSourceOptions,
    drop: () => withAdmin({ type: 'mariadb', ...maria }, `DROP DATABASE IF EXISTS \`${name}\``),
  };
}

async function withAdmin(options: DataSourceOptions, sql: string): Promise<void> {
  const admin = new DataSource(options);
  await admin.initialize();
  try {
    await admin.query(sql);
  } finally {
    await admin.destroy();
  }
}
