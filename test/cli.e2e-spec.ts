import { createHash, createHmac } from 'node:crypto';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import request from 'supertest';
import { ADMIN_PERMISSION, ApiKeyAuditEventEntity, ApiKeyEntity, type ApiKeysModuleOptions } from '../lib/index.js';
import { buildLibrary, REPO_ROOT } from './utils/build-library.js';
import { CliWorkspace, connectionOf, type CliRun } from './utils/cli-workspace.js';
import { insertKeys } from './utils/bulk-keys.js';
import { createTestDatabase, lane, type TestDatabase } from './utils/databases.js';
import { keyRow as readKeyRow } from './utils/rows.js';
import { createTestApp, type TestApp } from './utils/test-app.js';

const DAY = 86_400_000;
const PEPPER = 'cli-test-pepper-0123456789abcdef';

/**
 * The boot warning the CLI rightly prints when run without the app's options on a database
 * holding peppered keys (the pepper test below leaves two): asserted there, set aside elsewhere.
 */
const PEPPER_WARNING = /^nest-api-keys: warning: \d+ stored key\(s\) use hash version\(s\) the configured pepper lacks: [^\n]*\n/m;
const stderrOf = (run: CliRun) => run.stderr.replace(PEPPER_WARNING, '');

/** A failure of the CLI: the exit status, one `nest-api-keys:` line on stderr, nothing on stdout. */
function expectOneLineFailure(run: CliRun, status: number, message: RegExp): void {
  expect({ status: run.status, stdout: run.stdout }).toEqual({ status, stdout: '' });
  expect(stderrOf(run)).toMatch(/^nest-api-keys: [^\n]+\n$/); // exactly one line
  expect(run.stderr).not.toMatch(/\bat .+:\d+:\d+/); // no stack frame
  expect(stderrOf(run)).toMatch(message);
}

/** A key the CLI printed: the raw key alone, one line, on stdout. */
function printedKey(run: CliRun, prefix: string): string {
  expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: expect.stringContaining('Created key') });
  expect(run.stdout).toMatch(new RegExp(`^${prefix}_[0-9A-Za-z]+\\n$`));
  const key = run.stdout.trim();
  expect(run.stderr).not.toContain(key);
  expect(run.stderr).not.toMatch(/\[Nest\]|InstanceLoader|query:/); // no boot or query logs anywhere
  return key;
}

// The CLI runs as a real subprocess (the built bin) on the lane's database; what it does is
// then checked in an app on the same database. SQLite and PostgreSQL lanes (SPEC §2).

/** A check that does not depend on the database: the SQLite lane runs it. */
const sqliteOnly = lane === 'sqlite' ? it : it.skip;

describe(`nest-api-keys CLI (${lane})`, () => {
  let workspace: CliWorkspace;
  let database: TestDatabase;
  let app: TestApp; // holds the schema (synchronize) and reads rows; verifications use fresh apps
  let dataSource: string;
  let ds: string[];

  /** A fresh app on the same database, so nothing it verifies was seen before. */
  async function verifyInApp(key: string, options: ApiKeysModuleOptions, dryRun = true) {
    const verifier = await createTestApp({ database, options });
    try {
      return await verifier.apiKeys.verify(key, { dryRun });
    } finally {
      await verifier.close();
    }
  }

  const keyRow = (id: string) => readKeyRow(app.dataSource, id);
  const keyCount = () => app.dataSource.getRepository(ApiKeyEntity).count();
  /** The audit trail of a key, oldest first, as [action, actor]. */
  const auditOf = async (keyId: string) =>
    (await app.dataSource.getRepository(ApiKeyAuditEventEntity).find({ where: { keyId }, order: { at: 'ASC', id: 'ASC' } })).map((row) => [
      row.action,
      row.actorId,
    ]);
  const allRows = () => app.dataSource.getRepository(ApiKeyEntity).createQueryBuilder('k').select('*').getRawMany();

  beforeAll(async () => {
    await buildLibrary();
    workspace = new CliWorkspace();
    database = await createTestDatabase();
    app = await createTestApp({ database });
    dataSource = workspace.writeDataSource('data-source.mjs', connectionOf(database.options));
    ds = ['--data-source', dataSource];
  }, 240_000);

  afterAll(async () => {
    await app?.close();
    await database?.drop();
    workspace?.remove();
  });

  it('create-key prints the raw key alone on stdout (KEY=$(…) captures it) and the key is a working root key of the app', async () => {
    const before = Date.now();
    const run = await workspace.shell(
      `KEY=$("$NODE" "$CLI" create-key --data-source ${dataSource} --prefix sk_live --owner ops --name root ` +
        `--permission ${ADMIN_PERMISSION} --expires-in 90d) || exit 9; printf 'captured:%s' "$KEY"`,
    );
    const after = Date.now();
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^captured:sk_live_[0-9A-Za-z]+$/);
    const key = run.stdout.slice('captured:'.length);
    expect(run.stderr).toMatch(
      /^Created key [0-9a-f-]{36} \(sk_live_\w{4}…\w{4}\) for owner ops, name root, grants api_keys:admin, expires \S+\.\n/,
    );
    expect(run.stderr).not.toContain(key);
    expect(run.stderr).not.toMatch(/\[Nest\]|InstanceLoader/);

    const result = await verifyInApp(key, { keyPrefix: 'sk_live' });
    expect(result).toMatchObject({ valid: true, code: 'VALID', key: { ownerId: 'ops', name: 'root', permissions: [ADMIN_PERMISSION] } });
    const expiresAt = result.key!.expiresAt!.getTime();
    expect(expiresAt).toBeGreaterThanOrEqual(before + 90 * DAY);
    expect(expiresAt).toBeLessThanOrEqual(after + 90 * DAY);

    // Stored as SHA-256 (no pepper configured), never raw.
    const row = await keyRow(result.key!.id);
    expect(row).toMatchObject({ hash: createHash('sha256').update(key).digest('hex'), hash_version: 'sha256', owner_id: 'ops' });
    expect(JSON.stringify(await allRows())).not.toContain(key);

    // It opens the admin API of an app on that database.
    const admin = await createTestApp({ database, options: { keyPrefix: 'sk_live' }, structural: { admin: { path: 'api-keys' } } });
    try {
      const listed = await request(admin.server).get('/api-keys/keys').query({ ownerId: 'ops' }).set('x-api-key', key).expect(200);
      expect(listed.body.items.map((item: { id: string }) => item.id)).toContain(result.key!.id);
    } finally {
      await admin.close();
    }
  });

  it('takes prefix and pepper from --options (structural options ignored); the key verifies only with that pepper; the change is made by actor cli', async () => {
    const events = workspace.path('events.ndjson');
    const options = workspace.write(
      'api-keys.options.mjs',
      `import { appendFileSync } from 'node:fs';
export const apiKeysOptions = {
  keyPrefix: 'sk_ops',
  pepper: ${JSON.stringify(PEPPER)},
  onEvent: (event) => appendFileSync(${JSON.stringify(events)}, JSON.stringify(event) + '\\n'),
  admin: { path: 'api-keys' }, // the app's structural options may ride along: the CLI ignores them
  globalGuard: true,
};
`,
    );
    const key = printedKey(
      await workspace.run(['create-key', ...ds, '--options', options, '--owner', 'ops', '--name', 'peppered']),
      'sk_ops',
    );

    const withPepper = await verifyInApp(key, { keyPrefix: 'sk_ops', pepper: PEPPER });
    expect(withPepper).toMatchObject({ valid: true, code: 'VALID', key: { ownerId: 'ops', name: 'peppered', permissions: [] } });
    expect(await verifyInApp(key, { keyPrefix: 'sk_ops' })).toMatchObject({ valid: false, code: 'NOT_FOUND' });
    expect(await keyRow(withPepper.key!.id)).toMatchObject({
      hash: createHmac('sha256', PEPPER).update(key).digest('hex'),
      hash_version: 'p1',
    });

    const written = readFileSync(events, 'utf8');
    expect(written).not.toContain(key);
    expect(
      written
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual([expect.objectContaining({ type: 'key.created', keyId: withPepper.key!.id, ownerId: 'ops', actorId: 'cli' })]);
    expect(await auditOf(withPepper.key!.id)).toEqual([['key.created', 'cli']]);
    // Run without the app's options, the CLI warns that the stored keys need a pepper it lacks.
    const unpeppered = await workspace.run(['list-keys', ...ds]);
    expect(unpeppered.status).toBe(0);
    expect(unpeppered.stderr).toMatch(PEPPER_WARNING);
    expect(unpeppered.stderr).not.toContain(PEPPER);
  });

  // How the CLI reads its files does not depend on the database: one lane checks the forms.
  sqliteOnly('--prefix overrides the options file; options may be a default-exported (async) function', async () => {
    const options = workspace.write(
      'options-factory.mjs',
      `export default async () => ({ keyPrefix: 'sk_ops', pepper: ${JSON.stringify(PEPPER)} });\n`,
    );
    const key = printedKey(
      await workspace.run([
        'create-key',
        ...ds,
        '--options',
        options,
        '--prefix',
        'sk_override',
        '--owner',
        'ops',
        '--permission',
        'reports:read',
      ]),
      'sk_override',
    );
    expect(await verifyInApp(key, { keyPrefix: 'sk_override', pepper: PEPPER })).toMatchObject({
      code: 'VALID',
      key: { permissions: ['reports:read'] },
    });
    expect(await verifyInApp(key, { keyPrefix: 'sk_ops', pepper: PEPPER })).toMatchObject({ code: 'MALFORMED' });
  });

  it('without --options a key is stored as plain SHA-256: a peppered app accepts it once and re-hashes it', async () => {
    const run = await workspace.run(['create-key', ...ds, '--prefix', 'sk_ops', '--owner', 'ops', '--name', 'unpeppered']);
    const key = printedKey(run, 'sk_ops');
    const id = /^Created key (\S+) /.exec(stderrOf(run))![1];
    expect(await keyRow(id)).toMatchObject({ hash: createHash('sha256').update(key).digest('hex'), hash_version: 'sha256' });
    const result = await verifyInApp(key, { keyPrefix: 'sk_ops', pepper: PEPPER }, false);
    expect(result).toMatchObject({ code: 'VALID', key: { id, name: 'unpeppered' } });
    expect(await keyRow(result.key!.id)).toMatchObject({
      hash: createHmac('sha256', PEPPER).update(key).digest('hex'),
      hash_version: 'p1',
    });
  });

  sqliteOnly('accepts the DataSource as `dataSource`, as the only export under another name, or from a CommonJS (.cjs) file', async () => {
    const connection = connectionOf(database.options);
    const named = workspace.writeDataSource('named.mjs', connection, 'dataSource');
    const own = workspace.writeDataSource('own-name.mjs', connection, 'AppDataSource');
    const commonJs = workspace.write(
      'data-source.cjs',
      `const { DataSource } = require('typeorm');
const { API_KEYS_ENTITIES } = require('nest-api-keys');
module.exports = { dataSource: new DataSource({ ...${JSON.stringify(connection)}, entities: [...API_KEYS_ENTITIES] }) };
`,
    );
    const runs = await Promise.all(
      [named, own, commonJs].map((file) => workspace.run(['create-key', '--data-source', file, '--owner', 'formats', '--name', file])),
    );
    const keys = runs.map((run) => printedKey(run, 'sk'));
    for (const [i, key] of keys.entries()) {
      expect(await verifyInApp(key, {})).toMatchObject({ code: 'VALID', key: { ownerId: 'formats', name: [named, own, commonJs][i] } });
    }
  });

  it('list-keys prints every key as a table without hashes, follows the pages to the end, filters by owner, and --json', async () => {
    // More keys than one page of the CLI's listing, stored in bulk (how they were made is not the subject).
    await insertKeys(
      app.dataSource,
      Array.from({ length: 105 }, (_, i) => ({ ownerId: 'bulk', name: `bulk-${i}` })),
    );
    const hostile = await app.apiKeys.create({ ownerId: 'bulk', name: 'evil\u001b[2J\nnext-line\u009b' });

    const json = await workspace.run(['list-keys', ...ds, '--owner', 'bulk', '--json']);
    expect({ status: json.status, stderr: stderrOf(json) }).toEqual({ status: 0, stderr: '106 keys\n' });
    expect(json.stdout).not.toMatch(/[\u001b\u009b]/);
    const items = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
    expect(items).toHaveLength(106);
    expect(new Set(items.map((item) => item.id)).size).toBe(106);
    expect(items.every((item) => item.ownerId === 'bulk' && !('hash' in item))).toBe(true);
    expect(items.find((item) => item.id === hostile.apiKey.id)).toMatchObject({ name: 'evil\u001b[2J\nnext-line\u009b', status: 'active' });

    const table = await workspace.run(['list-keys', ...ds]);
    const total = await keyCount();
    expect({ status: table.status, stderr: stderrOf(table) }).toEqual({ status: 0, stderr: `${total} keys\n` });
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(total + 1); // a header and one line per key: no name can add a line
    expect(lines[0]).toMatch(/^ID\s+OWNER\s+NAME\s+STATUS\s+KEY\s+PERMISSIONS\s+CREATED\s+EXPIRES\s+LAST USED$/);
    expect(table.stdout).not.toMatch(/[\u001b\u009b]/);
    expect(table.stdout).toContain('evil\\u001b[2J\\u000anext…');
    const rows = await allRows();
    expect(rows).toHaveLength(total);
    for (const { hash } of rows) expect(table.stdout + json.stdout).not.toContain(hash);
    const root = (await app.apiKeys.list({ ownerId: 'ops', limit: 100 })).items.find((key) => key.name === 'root')!;
    expect(lines.find((line) => line.startsWith(root.id))).toMatch(
      new RegExp(
        `^${root.id}\\s+ops\\s+root\\s+active\\s+${root.start}…${root.last4}\\s+api_keys:admin\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d`,
      ),
    );
  });

  it('revoke-key revokes as actor cli: the key then verifies as REVOKED; revoking again changes nothing', async () => {
    const { key, apiKey } = await app.apiKeys.create({ ownerId: 'victim', name: 'to-revoke' });
    const events = workspace.path('revoke-events.ndjson');
    const options = workspace.write(
      'revoke.options.mjs',
      `import { appendFileSync } from 'node:fs';
export default { onEvent: (event) => appendFileSync(${JSON.stringify(events)}, JSON.stringify(event) + '\\n') };
`,
    );

    const revoked = await workspace.run(['revoke-key', apiKey.id.toUpperCase(), ...ds, '--options', options]);
    expect({ status: revoked.status, stdout: revoked.stdout }).toEqual({ status: 0, stdout: '' });
    expect(stderrOf(revoked)).toMatch(
      new RegExp(`^Revoked key ${apiKey.id} \\(${apiKey.start}…${apiKey.last4}, owner victim\\) at \\S+\\.\\n$`),
    );
    expect(await verifyInApp(key, {})).toMatchObject({ valid: false, code: 'REVOKED' });
    const revokedAt = (await keyRow(apiKey.id))!.revoked_at;
    expect(revokedAt).not.toBeNull();
    expect(
      readFileSync(events, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual([expect.objectContaining({ type: 'key.revoked', keyId: apiKey.id, ownerId: 'victim', actorId: 'cli' })]);

    const again = await workspace.run(['revoke-key', apiKey.id, ...ds, '--options', options]);
    expect({ status: again.status, stdout: again.stdout }).toEqual({ status: 0, stdout: '' });
    expect(again.stderr).toMatch(/was already revoked at .*; nothing changed\.\n$/);
    expect((await keyRow(apiKey.id))!.revoked_at).toBe(revokedAt);
    expect(readFileSync(events, 'utf8').trim().split('\n')).toHaveLength(1); // a no-op emits nothing
    expect(await auditOf(apiKey.id)).toEqual([
      ['key.created', 'system'],
      ['key.revoked', 'cli'],
    ]); // and audits nothing

    const listed = await workspace.run(['list-keys', ...ds, '--owner', 'victim', '--status', 'revoked', '--json']);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ id: apiKey.id, status: 'revoked' })]);

    expectOneLineFailure(
      await workspace.run(['revoke-key', '00000000-0000-4000-8000-000000000000', ...ds]),
      1,
      /^nest-api-keys: no API key with id 00000000-0000-4000-8000-000000000000\n$/,
    );
  });

  // Arguments are refused before any database is opened: one lane checks them.
  sqliteOnly(
    'bad arguments exit 2 with one line on stderr, nothing on stdout, and no key made',
    async () => {
      const count = await keyCount();
      const cases: Array<[string[], RegExp]> = [
        [[], /missing command/],
        [['frobnicate'], /unknown command 'frobnicate'/],
        [['create-key', '--owner', 'ops'], /--data-source <value> is required/],
        [['create-key', ...ds], /--owner <value> is required/],
        [['create-key', ...ds, '--owner'], /--owner needs a value/],
        [['create-key', ...ds, '--owner', '--name', 'x'], /--owner needs a value/],
        [['create-key', ...ds, '--owner', 'ops', '--bogus'], /unknown option '--bogus'/],
        [['create-key', ...ds, '--owner', 'a', '--owner', 'b'], /--owner is given more than once/],
        [['create-key', ...ds, '--owner', 'ops', 'stray'], /unexpected argument 'stray'/],
        [['create-key', ...ds, '--owner', 'ops', '--expires-in', '90x'], /--expires-in '90x' is not a duration/],
        [['create-key', ...ds, '--owner', 'ops', '--expires-in', '0d'], /--expires-in '0d' is not a duration/],
        [['create-key', ...ds, '--owner', 'ops', '--expires-in', '9999999d'], /is not a duration/],
        [['create-key', ...ds, '--owner', 'ops', '--prefix', 'SK_LIVE'], /--prefix 'SK_LIVE' must match/],
        [['create-key', ...ds, '--owner', 'ops', '--timeout', 'soon'], /--timeout 'soon' is not a duration/],
        [['create-key', ...ds, '--owner', 'o'.repeat(5000)], /invalid --owner: ownerId must be/],
        [['create-key', ...ds, '--owner', 'ops', '--permission', 'not a permission'], /invalid --permission:/],
        [['create-key', ...ds, '--owner', 'ops', '--name', 'n'.repeat(1000)], /invalid --name:/],
        [['create-key', ...ds, '--owner', 'ops', '--namespace', 'has space'], /invalid --namespace:/],
        [['list-keys', ...ds, '--status', 'gone'], /--status 'gone' is not one of active, revoked/],
        [['list-keys', ...ds, '--json=yes'], /--json does not take a value/],
        [['revoke-key', ...ds], /the id of the key to revoke is required/],
        [['revoke-key', 'not-a-uuid', ...ds], /'not-a-uuid' is not a key id/],
        [['revoke-key', 'x\u001b[31mred\nline', ...ds], /'x\\u001b\[31mred\\u000aline' is not a key id/],
      ];
      const runs = await workspace.runAll(cases.map(([args]) => args));
      for (const [i, run] of runs.entries()) {
        expectOneLineFailure(run, 2, cases[i][1]);
        expect(run.stderr).toMatch(/\(see nest-api-keys (\S+ )?--help\)\n$/);
      }
      expect(await keyCount()).toBe(count);
    },
    180_000,
  );

  // Files that fail to load, options the module refuses and DataSource modules without a
  // usable DataSource are refused before the CLI connects (options are checked first, then the
  // module is imported and its exports looked at; nothing is initialized): one lane checks them.
  sqliteOnly(
    'files that do not load, or hold no usable DataSource or options, exit 1 with one line',
    async () => {
      const connection = connectionOf(database.options);
      const typescript = workspace.write('data-source.ts', readFileSync(workspace.path(dataSource), 'utf8'));
      const nothing = workspace.write('nothing.mjs', 'export const answer = 42;\n');
      const broken = workspace.write('broken.mjs', 'export default {\n');
      const two = workspace.write(
        'two.mjs',
        `import { DataSource } from 'typeorm';\nexport const a = new DataSource(${JSON.stringify(connection)});\nexport const b = new DataSource(${JSON.stringify(connection)});\n`,
      );
      const unknownOption = workspace.write('unknown-option.mjs', `export default { keyPrefix: 'sk', bogus: true };\n`);
      const shortPepper = workspace.write('short-pepper.mjs', `export const apiKeysOptions = { pepper: 'short' };\n`);
      const cases: Array<[string[], RegExp]> = [
        [['create-key', '--data-source', 'missing.mjs', '--owner', 'ops'], /--data-source missing\.mjs: no such file/],
        [
          ['create-key', '--data-source', typescript, '--owner', 'ops'],
          /--data-source data-source\.ts: Node cannot import TypeScript by itself; give the compiled \.js file/,
        ],
        [
          ['create-key', '--data-source', nothing, '--owner', 'ops'],
          /--data-source nothing\.mjs exports no TypeORM DataSource: export one as default or as dataSource/,
        ],
        [['create-key', '--data-source', broken, '--owner', 'ops'], /--data-source broken\.mjs failed to load: /],
        [['create-key', '--data-source', two, '--owner', 'ops'], /exports several DataSources \(a, b\)/],
        [['list-keys', ...ds, '--options', nothing], /--options nothing\.mjs exports no options/],
        [
          ['list-keys', ...ds, '--options', unknownOption],
          /--options unknown-option\.mjs: unknown or not yet supported option\(s\): bogus/,
        ],
        [['create-key', ...ds, '--options', shortPepper, '--owner', 'ops'], /pepper .* at least 16 characters/],
      ];
      const runs = await workspace.runAll(cases.map(([args]) => args));
      for (const [i, run] of runs.entries()) expectOneLineFailure(run, 1, cases[i][1]);
    },
    180_000,
  );

  // These two connect first: whether the entities are the CLI's is known once TypeORM has
  // built its metadata on the lane's database.
  it('a DataSource without API_KEYS_ENTITIES, or with those of another copy of the package, exits 1 with one line', async () => {
    const connection = connectionOf(database.options);
    const noEntities = workspace.write(
      'no-entities.mjs',
      `import { DataSource } from 'typeorm';\nexport default new DataSource({ ...${JSON.stringify(connection)}, entities: [] });\n`,
    );
    // A second copy of the entities (as a TypeScript loader that compiles the package again for
    // a CommonJS file makes): classes of the same names that are not the CLI's.
    cpSync(`${REPO_ROOT}/dist/entities`, workspace.path('second-copy/entities'), { recursive: true });
    workspace.write('second-copy/package.json', '{ "type": "module" }\n');
    const secondCopy = workspace.write(
      'second-copy.mjs',
      `import { DataSource } from 'typeorm';
import { CORE_ENTITIES } from './second-copy/entities/index.js';
export default new DataSource({ ...${JSON.stringify(connection)}, entities: [...CORE_ENTITIES] });
`,
    );
    const cases: Array<[string[], RegExp]> = [
      [
        ['create-key', '--data-source', noEntities, '--owner', 'ops'],
        /does not list API_KEYS_ENTITIES: add entities: \[\.\.\.API_KEYS_ENTITIES/,
      ],
      [
        ['list-keys', '--data-source', secondCopy],
        /lists API_KEYS_ENTITIES of another copy of nest-api-keys .*: give the compiled \.js file/,
      ],
    ];
    const runs = await workspace.runAll(cases.map(([args]) => args));
    for (const [i, run] of runs.entries()) expectOneLineFailure(run, 1, cases[i][1]);
  }, 180_000);

  it('a database without the tables exits 1 naming API_KEYS_MIGRATIONS, and the CLI never creates them', async () => {
    const empty = await createTestDatabase();
    try {
      if (lane === 'sqlite') writeFileSync((empty.options as { database: string }).database, ''); // an empty SQLite database
      const file = workspace.writeDataSource('empty.mjs', { ...connectionOf(empty.options), synchronize: true, migrationsRun: true });
      expectOneLineFailure(
        await workspace.run(['create-key', '--data-source', file, '--owner', 'ops']),
        1,
        /tables on DataSource 'default' are missing or out of date .*: run API_KEYS_MIGRATIONS/,
      );
    } finally {
      await empty.drop();
    }
  });

  // Help and version are printed before any file is loaded or database opened: one lane checks them.
  sqliteOnly('--help, per command and global, goes to stdout with status 0; --version prints the package version', async () => {
    const [global, create, list, revoke, helpWithBadArgs, version] = await Promise.all([
      workspace.run(['--help']),
      workspace.run(['create-key', '--help']),
      workspace.run(['list-keys', '-h']),
      workspace.run(['revoke-key', '--help']),
      workspace.run(['create-key', '--bogus', '--help']),
      workspace.run(['--version']),
    ]);
    for (const run of [global, create, list, revoke, helpWithBadArgs, version])
      expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(global.stdout).toMatch(/^Usage: nest-api-keys <command> \[options\]/);
    for (const command of ['create-key', 'list-keys', 'revoke-key']) expect(global.stdout).toContain(`  ${command}`);
    expect(create.stdout).toMatch(/^Usage: nest-api-keys create-key --data-source <file> --owner <id>/);
    for (const flag of ['--owner', '--name', '--permission', '--expires-in', '--prefix', '--data-source', '--options', '--timeout']) {
      expect(create.stdout).toContain(flag);
    }
    expect(list.stdout).toMatch(/^Usage: nest-api-keys list-keys/);
    expect(list.stdout).toContain('--json');
    expect(revoke.stdout).toMatch(/^Usage: nest-api-keys revoke-key <id>/);
    expect(helpWithBadArgs.stdout).toBe(create.stdout);
    expect(version.stdout).toBe(`${JSON.parse(readFileSync(`${REPO_ROOT}/package.json`, 'utf8')).version}\n`);
  });

  if (lane === 'sqlite') {
    it('an unreachable SQLite database exits 1 with one line and creates no file', async () => {
      const missing = workspace.path('no-such-dir/app.db');
      const file = workspace.writeDataSource('unreachable.mjs', { type: 'better-sqlite3', database: missing });
      expectOneLineFailure(
        await workspace.run(['create-key', '--data-source', file, '--owner', 'ops']),
        1,
        /^nest-api-keys: cannot reach the database \(better-sqlite3\): the SQLite file \S+no-such-dir\/app\.db does not exist/,
      );
      expect(existsSync(workspace.path('no-such-dir'))).toBe(false);
    });
  }

  if (lane === 'postgres') {
    describe('an unreachable PostgreSQL', () => {
      let silent: Server;
      const sockets = new Set<Socket>();

      beforeAll(async () => {
        // Accepts connections and never answers: a hung server, not a refused port.
        silent = createServer((socket) => {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket));
        });
        await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      });

      afterAll(async () => {
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => silent.close(resolve));
      });

      it('a refused connection exits 1 with one line', async () => {
        const closedPort = await freePort();
        const file = workspace.writeDataSource('refused.mjs', { ...connectionOf(database.options), host: '127.0.0.1', port: closedPort });
        const run = await workspace.run(['list-keys', '--data-source', file]);
        expectOneLineFailure(
          run,
          1,
          new RegExp(`^nest-api-keys: cannot reach the database \\(postgres\\): connect ECONNREFUSED 127\\.0\\.0\\.1:${closedPort}\\n$`),
        );
      });

      it('a server that never answers is given up after --timeout', async () => {
        const { port } = silent.address() as { port: number };
        const file = workspace.writeDataSource('hung.mjs', { ...connectionOf(database.options), host: '127.0.0.1', port });
        const run = await workspace.run(['create-key', '--data-source', file, '--owner', 'ops', '--timeout', '2s']);
        expectOneLineFailure(run, 1, /^nest-api-keys: cannot reach the database \(postgres\): no answer within 2s \(--timeout\)\n$/);
        expect(run.ms).toBeGreaterThanOrEqual(2_000);
        expect(run.ms).toBeLessThan(15_000);
      });
    });
  }
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
