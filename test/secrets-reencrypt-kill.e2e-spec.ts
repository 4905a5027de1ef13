import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ApiKeySecretEntity, ApiKeySecretsService, type ApiKeysModuleOptions } from '../lib/index.js';
import { buildLibrary, REPO_ROOT } from './utils/build-library.js';
import { connectionOf } from './utils/cli-workspace.js';
import { createTestDatabase, lane, type TestDatabase } from './utils/databases.js';
import { createTestApp } from './utils/test-app.js';

// `reencrypt()` in a real process killed with SIGKILL half-way — possibly inside a batch's
// transaction — and run again: every row ends on the new key and none is ever unreadable. The
// worker is a host's maintenance script as the README shows it: the built package in a Nest
// application context on the app's database.

const K1 = randomBytes(32).toString('base64');
const K2 = randomBytes(32).toString('base64');
const ROWS = 300;
const BATCH = 5;
const TOTAL_BATCHES = ROWS / BATCH;

// Inside the repository, so that the script resolves @nestjs/* from its node_modules: the same
// copies the built package loads.
const WORKER_DIR = join(REPO_ROOT, 'node_modules/.cache/nest-api-keys-secrets-worker');
const WORKER = `
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { API_KEYS_ENTITIES, ApiKeysModule, ApiKeySecretsService } from ${JSON.stringify(pathToFileURL(join(REPO_ROOT, 'dist/index.js')).href)};

const { connection, secrets, batchSize } = JSON.parse(process.env.WORKER_CONFIG);
class ReencryptModule {}
Module({ imports: [TypeOrmModule.forRoot({ ...connection, entities: [...API_KEYS_ENTITIES] }), ApiKeysModule.forRoot({ secrets })] })(ReencryptModule);
const app = await NestFactory.createApplicationContext(ReencryptModule, { logger: ['error'] });
const result = await app.get(ApiKeySecretsService).reencrypt({
  batchSize,
  onBatch: async ({ batches, reencrypted }) => {
    process.stdout.write(batches + ' ' + reencrypted + '\\n');
    // Slower past half-way, so that a parent on a loaded machine kills it long before the end.
    await new Promise((resolve) => setTimeout(resolve, batches < ${TOTAL_BATCHES / 2} ? 10 : 250));
  },
});
process.stdout.write('done ' + result.reencrypted + '\\n');
await app.close();
`;

describe(`reencrypt killed half-way in a real process on ${lane}`, () => {
  let database: TestDatabase;
  let worker: string;
  const values = new Map<string, string>();
  const ring = (activeKeyId: string, keys: Record<string, string> = { k1: K1, k2: K2 }): ApiKeysModuleOptions => ({
    secrets: { keys, activeKeyId },
  });

  beforeAll(async () => {
    await buildLibrary();
    mkdirSync(WORKER_DIR, { recursive: true });
    worker = join(WORKER_DIR, `reencrypt-${process.pid}-${lane}.mjs`);
    writeFileSync(worker, WORKER);
    database = await createTestDatabase();
    const t = await createTestApp({ database, options: ring('k1') });
    try {
      const secrets = t.app.get(ApiKeySecretsService);
      for (let i = 0; i < ROWS; i++) {
        const name = `svc-${i}`;
        values.set(name, `value-${i}-${randomBytes(16).toString('hex')}`);
        await secrets.put(`owner-${i % 7}`, name, values.get(name)!);
      }
    } finally {
      await t.close();
    }
  }, 300_000);
  afterAll(async () => {
    rmSync(worker, { force: true });
    await database.drop();
  });

  it('SIGKILL after half the batches, rerun: 100 % on the new key, every value intact throughout', async () => {
    const { NODE_OPTIONS: _nodeOptions, ...env } = process.env;
    const child = spawn(process.execPath, [worker], {
      cwd: REPO_ROOT,
      env: { ...env, WORKER_CONFIG: JSON.stringify({ connection: connectionOf(database.options), batchSize: BATCH, ...ring('k2') }) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let killedAt: number | undefined;
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const batches = stdout
        .trim()
        .split('\n')
        .map((line) => Number(line.split(' ')[0]));
      if (killedAt === undefined && Math.max(...batches) >= TOTAL_BATCHES / 2) {
        killedAt = Math.max(...batches);
        child.kill('SIGKILL');
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('close', (code, signal) => resolve({ code, signal })),
    );
    clearTimeout(timer);
    expect({ exit, stderr }).toEqual({ exit: { code: null, signal: 'SIGKILL' }, stderr: '' });
    expect(stdout).not.toContain('done');
    // Killed once it reported half of its batches (a busy parent may read a few lines late).
    expect(killedAt).toBeGreaterThanOrEqual(TOTAL_BATCHES / 2);
    expect(killedAt).toBeLessThan(TOTAL_BATCHES);

    const t = await createTestApp({ database, options: ring('k2') });
    try {
      const rows = () => t.dataSource.getRepository(ApiKeySecretEntity).find();
      const onK2 = (await rows()).filter((row) => row.keyId === 'k2').length;
      // Every batch reported was committed; the one the kill may have cut short rolled back whole.
      expect(onK2).toBeGreaterThanOrEqual(killedAt! * BATCH);
      expect(onK2).toBeLessThan(ROWS);
      expect(onK2 % BATCH).toBe(0);
      const secrets = t.app.get(ApiKeySecretsService);
      for (const [name, value] of values)
        expect({ name, value: await secrets.get(`owner-${Number(name.slice(4)) % 7}`, name) }).toEqual({ name, value });

      expect(await secrets.reencrypt()).toEqual({ activeKeyId: 'k2', reencrypted: ROWS - onK2, unreadable: [] });
      expect((await rows()).every((row) => row.keyId === 'k2')).toBe(true);
      expect(await rows()).toHaveLength(ROWS);
    } finally {
      await t.close();
    }
    // The old key is no longer needed.
    const after = await createTestApp({ database, options: ring('k2', { k2: K2 }) });
    try {
      const secrets = after.app.get(ApiKeySecretsService);
      for (const [name, value] of values)
        expect({ name, value: await secrets.get(`owner-${Number(name.slice(4)) % 7}`, name) }).toEqual({ name, value });
    } finally {
      await after.close();
    }
  }, 300_000);
});
