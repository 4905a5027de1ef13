// A fresh database for one bench process: a WAL SQLite file, or a new PostgreSQL schema
// (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; default postgres@127.0.0.1:5432/test),
// migrated with API_KEYS_MIGRATIONS, and how to drop it.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { API_KEYS_ENTITIES, API_KEYS_MIGRATIONS } from '../dist/index.js';

export const PG = {
  host: process.env.PGHOST ?? '127.0.0.1',
  port: Number(process.env.PGPORT ?? 5432),
  username: process.env.PGUSER ?? 'postgres',
  password: process.env.PGPASSWORD ?? '',
  database: process.env.PGDATABASE ?? 'test',
};

async function onPostgres(sql) {
  const admin = new DataSource({ type: 'postgres', ...PG });
  await admin.initialize();
  try {
    await admin.query(sql);
  } finally {
    await admin.destroy();
  }
}

/** `{ name, options, drop }` for `db` ('sqlite' or 'postgres'); `name` is the file or schema. */
export async function createBenchDatabase(db, prefix = 'bench') {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const common = { entities: [...API_KEYS_ENTITIES], migrations: [...API_KEYS_MIGRATIONS], migrationsRun: true };
  if (db === 'sqlite') {
    const file = join(tmpdir(), `${name}.db`);
    return {
      name,
      options: { type: 'better-sqlite3', database: file, enableWAL: true, ...common },
      drop: async () => {
        for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
      },
    };
  }
  if (db === 'postgres') {
    await onPostgres(`CREATE SCHEMA "${name}"`);
    return {
      name,
      options: { type: 'postgres', ...PG, schema: name, ...common },
      drop: () => onPostgres(`DROP SCHEMA IF EXISTS "${name}" CASCADE`),
    };
  }
  throw new Error(`unknown --db ${db}`);
}
