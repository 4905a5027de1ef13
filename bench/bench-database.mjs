// A fresh database for one bench process: a WAL SQLite file, or a new PostgreSQL schema
// (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; default postgres@127.0.0.1:5432/test),
// migrated with API_KEYS_MIGRATIONS, and how to drop it.
import { randomBytes, randomUUID } from 'node:crypto';
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

/**
 * Inserts `count` keys nobody will present (random hashes), in multi-row INSERTs of 1,000, so
 * that lookups run against a table of that size. `progress(done)` every 100k.
 */
export async function fillKeys(dataSource, count, progress = () => undefined) {
  const postgres = dataSource.options.type === 'postgres';
  const table = postgres ? `"${dataSource.options.schema}"."api_keys"` : '"api_keys"';
  const columns = [
    'id',
    'lineage_id',
    'owner_id',
    'namespace',
    'start',
    'last4',
    'hash',
    'hash_version',
    'meta',
    'allowed_ips',
    'enabled',
    'created_at',
    'updated_at',
  ];
  const now = Date.now();
  for (let done = 0; done < count;) {
    const rows = Math.min(1000, count - done);
    const values = [];
    const tuples = [];
    for (let i = 0; i < rows; i++) {
      const id = randomUUID();
      const row = [
        id,
        id,
        `filler-${(done + i) % 1000}`,
        'default',
        'sk_fill',
        'fill',
        randomBytes(32).toString('hex'),
        'sha256',
        '{}',
        '[]',
        postgres ? true : 1,
        now,
        now,
      ];
      const base = values.length;
      tuples.push(`(${row.map((_, j) => (postgres ? `$${base + j + 1}` : '?')).join(', ')})`);
      values.push(...row);
    }
    await dataSource.query(`INSERT INTO ${table} (${columns.map((c) => `"${c}"`).join(', ')}) VALUES ${tuples.join(', ')}`, values);
    done += rows;
    if (done % 100_000 === 0 || done === count) progress(done);
  }
  if (postgres) await dataSource.query(`ANALYZE ${table}`);
}
