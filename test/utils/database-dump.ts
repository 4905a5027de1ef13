import { existsSync, readFileSync } from 'node:fs';
import type { DataSource } from 'typeorm';
import { lane } from './databases.js';

/** A cell as text: binary cells as their bytes (latin1, one character per byte), the rest as JSON. */
const cellText = (value: unknown): string =>
  Buffer.isBuffer(value) ? value.toString('latin1') : typeof value === 'string' ? value : JSON.stringify(value);

/**
 * Everything the lane's database holds, as text: every column of every row of every table of
 * the app's schema (PostgreSQL: each row cast to text; MariaDB and SQLite: each cell), and on
 * SQLite also the raw bytes of the database file and its WAL and shared-memory files, where a
 * page may hold what no row shows any more.
 */
export async function dumpDatabase(dataSource: DataSource): Promise<string> {
  const parts: string[] = [];
  if (lane === 'postgres') {
    const schema = (dataSource.options as { schema: string }).schema;
    const tables: Array<{ name: string }> = await dataSource.query(
      `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE'`,
      [schema],
    );
    for (const { name } of tables) {
      const rows: Array<{ row: string }> = await dataSource.query(`SELECT t::text AS row FROM "${schema}"."${name}" t`);
      parts.push(`-- ${name}`, ...rows.map((r) => r.row));
    }
    return parts.join('\n');
  }
  const tables: Array<{ name: string }> =
    lane === 'mariadb'
      ? await dataSource.query(`SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()`)
      : await dataSource.query(`SELECT name FROM sqlite_master WHERE type = 'table'`);
  for (const { name } of tables) {
    const quoted = lane === 'mariadb' ? `\`${name}\`` : `"${name}"`;
    const rows: Array<Record<string, unknown>> = await dataSource.query(`SELECT * FROM ${quoted}`);
    parts.push(`-- ${name}`, ...rows.map((row) => Object.values(row).map(cellText).join('\t')));
  }
  if (lane === 'sqlite') {
    const file = (dataSource.options as { database: string }).database;
    for (const suffix of ['', '-wal', '-shm']) {
      if (existsSync(file + suffix)) parts.push(`-- file${suffix}`, readFileSync(file + suffix).toString('latin1'));
    }
  }
  return parts.join('\n');
}

/**
 * Every `window`-character substring of each plaintext that occurs in `dump`, with the
 * plaintext it came from: empty when nothing leaked. Linear in the dump (one set lookup per
 * position), so a dump of megabytes and thousands of plaintexts check in well under a second.
 */
export function leakedSubstrings(dump: string, plaintexts: string[], window = 8): Array<{ substring: string; of: string }> {
  const sources = new Map<string, string>();
  for (const plaintext of plaintexts) {
    for (let i = 0; i + window <= plaintext.length; i++) sources.set(plaintext.slice(i, i + window), plaintext);
  }
  const found = new Map<string, string>();
  for (let i = 0; i + window <= dump.length; i++) {
    const substring = dump.slice(i, i + window);
    const of = sources.get(substring);
    if (of !== undefined) found.set(substring, of);
  }
  return [...found].map(([substring, of]) => ({ substring, of }));
}
