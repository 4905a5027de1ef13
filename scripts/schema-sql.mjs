// Prints the SQL that creates the library's schema on each supported database, from the
// entities (run `npm run build` first). With --pending, it first runs API_KEYS_MIGRATIONS and
// prints only what the entities still need: the body of the next migration.
//   node scripts/schema-sql.mjs sqlite|postgres|mariadb [--pending]
import { DataSource } from 'typeorm';
import { API_KEYS_ENTITIES, API_KEYS_MIGRATIONS } from '../dist/index.js';

const type = process.argv[2] ?? 'sqlite';
const servers = {
  sqlite: { type: 'better-sqlite3', database: ':memory:' },
  postgres: { type: 'postgres', host: '127.0.0.1', port: 5432, username: 'postgres', database: 'test' },
  mariadb: { type: 'mariadb', host: '127.0.0.1', port: 3306, username: 'root', password: '', database: 'test' },
};
const scratch = `ak_schema_${process.pid}`;
const admin = new DataSource(servers[type]);
await admin.initialize();
let options = servers[type];
if (type === 'postgres') {
  await admin.query(`CREATE SCHEMA "${scratch}"`);
  options = { ...options, schema: scratch };
} else if (type === 'mariadb') {
  await admin.query(`CREATE DATABASE \`${scratch}\``);
  options = { ...options, database: scratch };
}
const pending = process.argv.includes('--pending');
const dataSource = new DataSource({ ...options, entities: API_KEYS_ENTITIES, migrations: pending ? API_KEYS_MIGRATIONS : [] });
await dataSource.initialize();
if (pending) await dataSource.runMigrations();
try {
  const sql = await dataSource.driver.createSchemaBuilder().log();
  const show = (q) => (type === 'postgres' ? q.query.replaceAll(`"${scratch}".`, '') : q.query.replaceAll(`\`${scratch}\`.`, ''));
  console.log(JSON.stringify({ up: sql.upQueries.map(show), down: sql.downQueries.map(show).reverse() }, null, 2));
} finally {
  await dataSource.destroy();
  if (type === 'postgres') await admin.query(`DROP SCHEMA "${scratch}" CASCADE`);
  if (type === 'mariadb') await admin.query(`DROP DATABASE \`${scratch}\``);
  await admin.destroy();
}
