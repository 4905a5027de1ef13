import { Injectable, Module, type DynamicModule, type INestApplication, type Type } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import request from 'supertest';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { ApiKeyEntity, ApiKeyService, ApiKeysModule } from '../lib/index.js';
import { KeyFormat } from '../lib/keys/key-format.js';
import { DemoController, GlobalGuardedController, OpenController } from './fixtures/demo.controller.js';
import { createTestDatabase } from './utils/databases.js';
import { createTestApp, type TestApp } from './utils/test-app.js';
import { SqlRecorder } from './utils/sql-recorder.js';

/** A ConfigService look-alike living in its own module, as hosts have it. */
@Injectable()
class FakeConfigService {
  readonly reads: string[] = [];
  private readonly values: Record<string, string> = { API_KEY_PREFIX: 'sk_cfg' };
  get(name: string): string | undefined {
    this.reads.push(name);
    return this.values[name];
  }
}

@Module({ providers: [FakeConfigService], exports: [FakeConfigService] })
class FakeConfigModule {}

interface Booted {
  app: INestApplication;
  server: any;
  apiKeys: ApiKeyService;
  close(): Promise<void>;
}

/**
 * Boots an app with a given ApiKeysModule registration on a fresh lane database. The
 * DataSource is captured through `dataSourceFactory`, so a failed boot still closes it and
 * drops the database before the error is rethrown.
 */
async function boot(
  apiKeysModule: DynamicModule,
  config: { typeorm?: Partial<DataSourceOptions>; controllers?: Type<unknown>[] } = {},
): Promise<Booted> {
  const database = await createTestDatabase(config.typeorm);
  let dataSource: DataSource | undefined;
  let initializing: Promise<unknown> | undefined;
  let app: INestApplication | undefined;
  const cleanup = async () => {
    await app?.close().catch(() => undefined);
    // A boot that failed elsewhere can leave the DataSource still connecting (or migrating):
    // let it settle before dropping its database, or it fails after the suite has ended.
    await initializing?.catch(() => undefined);
    if (dataSource?.isInitialized) await dataSource.destroy().catch(() => undefined);
    await database.drop();
  };
  try {
    const moduleRef = await Test.createTestingModule({
      imports: [
        TypeOrmModule.forRootAsync({
          // No retries: a failed connection fails the boot at once, never after the test.
          useFactory: () => ({ ...database.options, retryAttempts: 0 }) as any,
          dataSourceFactory: async (options) => {
            dataSource = new DataSource(options!);
            initializing = dataSource.initialize();
            return initializing as Promise<DataSource>;
          },
        }),
        apiKeysModule,
      ],
      controllers: config.controllers ?? [DemoController],
    }).compile();
    app = moduleRef.createNestApplication(new ExpressAdapter());
    await app.init();
  } catch (error) {
    await cleanup();
    throw error;
  }
  return { app, server: app.getHttpServer(), apiKeys: app.get(ApiKeyService), close: cleanup };
}

/** The guard answers 401 MISSING without a key and 200 with a key the app issued. */
async function expectGuarded(server: any, apiKeys: ApiKeyService, path = '/demo/whoami'): Promise<string> {
  const missing = await request(server).get(path);
  expect(missing.status).toBe(401);
  expect(missing.body.code).toBe('MISSING');
  const { key, apiKey } = await apiKeys.create({ ownerId: 'acme' });
  const ok = await request(server).get(path).set('x-api-key', key);
  expect(ok.status).toBe(200);
  expect(ok.body.id).toBe(apiKey.id);
  return key;
}

describe('ApiKeysModule registration', () => {
  let t: TestApp | undefined;
  let booted: Booted | undefined;
  afterEach(async () => {
    await t?.close();
    await booted?.close();
    t = undefined;
    booted = undefined;
  });

  it('forRoot guards a route', async () => {
    t = await createTestApp({ options: { keyPrefix: 'sk_root' } });
    const key = await expectGuarded(t.server, t.apiKeys);
    expect(key.startsWith('sk_root_')).toBe(true);
  });

  it('forRootAsync with useFactory guards a route with the factory options', async () => {
    t = await createTestApp({ async: true, options: { keyPrefix: 'sk_async' } });
    const key = await expectGuarded(t.server, t.apiKeys);
    expect(key.startsWith('sk_async_')).toBe(true);
    // A key of the default prefix is not a key of this app.
    const foreign = new KeyFormat('sk', 32).generate();
    const res = await request(t.server).get('/demo/whoami').set('x-api-key', foreign);
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('MALFORMED');
  });

  it('forRootAsync with imports and inject reads options from a host config module', async () => {
    let injected: FakeConfigService | undefined;
    booted = await boot(
      ApiKeysModule.forRootAsync({
        imports: [FakeConfigModule],
        inject: [FakeConfigService],
        useFactory: (config: FakeConfigService) => {
          injected = config;
          return { keyPrefix: config.get('API_KEY_PREFIX') };
        },
      }),
    );
    expect(injected).toBeInstanceOf(FakeConfigService);
    expect(injected!.reads).toEqual(['API_KEY_PREFIX']);
    const key = await expectGuarded(booted.server, booted.apiKeys);
    expect(key.startsWith('sk_cfg_')).toBe(true);
  });

  it("works on a named DataSource (dataSource: 'keys')", async () => {
    t = await createTestApp({ dataSourceName: 'keys' });
    await expectGuarded(t.server, t.apiKeys);
    expect(() => t!.app.get(getDataSourceToken(), { strict: false })).toThrow();
    const { apiKey } = await t.apiKeys.create({ ownerId: 'named' });
    expect(await t.dataSource.getRepository(ApiKeyEntity).countBy({ id: apiKey.id })).toBe(1);
  });

  it('fails at start-up, naming API_KEYS_ENTITIES, when the DataSource lacks the entities', async () => {
    await expect(boot(ApiKeysModule.forRoot(), { typeorm: { entities: [] } })).rejects.toThrow(/API_KEYS_ENTITIES/);
  });

  it('rejects a DataSource with an entityPrefix at boot', async () => {
    await expect(boot(ApiKeysModule.forRoot(), { typeorm: { entityPrefix: 'host_' } })).rejects.toThrow(/entityPrefix/);
  });

  it.each([
    ['globalGuard', { globalGuard: true }],
    ['admin', { admin: { path: 'api-keys' } }],
    ['isGlobal', { isGlobal: false }],
    ['dataSource', { dataSource: 'default' }],
  ])('fails at boot when the forRootAsync factory returns the structural option %s, saying where it goes', async (name, structural) => {
    const module = ApiKeysModule.forRootAsync({ useFactory: () => structural as never });
    await expect(boot(module)).rejects.toThrow(new RegExp(`${name} came from the forRootAsync factory.*next to useFactory`));
  });

  it('fails at start-up, naming the migrations, when the tables do not exist', async () => {
    await expect(boot(ApiKeysModule.forRoot(), { typeorm: { synchronize: false, migrationsRun: false } })).rejects.toThrow(
      /API_KEYS_MIGRATIONS/,
    );
  });

  it('globalGuard: true protects every route; @SkipApiKey opts out', async () => {
    t = await createTestApp({ structural: { globalGuard: true }, controllers: [GlobalGuardedController, OpenController] });
    await expectGuarded(t.server, t.apiKeys, '/global');
    const open = await request(t.server).get('/open'); // no @UseGuards, still guarded globally
    expect(open.status).toBe(401);
    expect(open.body.code).toBe('MISSING');
    expect(await request(t.server).get('/global/skipped')).toMatchObject({ status: 200, body: { ok: true } });
    expect(await request(t.server).get('/open/skipped')).toMatchObject({ status: 200, body: { ok: true } });
  });

  it('without globalGuard, a controller without @UseGuards stays open', async () => {
    t = await createTestApp({ controllers: [OpenController, DemoController] });
    expect(await request(t.server).get('/open')).toMatchObject({ status: 200, body: { ok: true } });
  });

  it('isGlobal: false still guards a controller in the importing module', async () => {
    expect(ApiKeysModule.forRoot({ isGlobal: false }).global).toBe(false);
    expect(ApiKeysModule.forRoot({}).global).toBe(true);
    t = await createTestApp({ structural: { isGlobal: false } });
    await expectGuarded(t.server, t.apiKeys);
  });

  it('a MALFORMED key costs zero database queries; a well-formed unknown key queries', async () => {
    const counter = new SqlRecorder();
    t = await createTestApp({ typeorm: { logger: counter, logging: true } });
    const { key } = await t.apiKeys.create({ ownerId: 'acme' });
    const malformed = key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A');

    counter.reset();
    const bad = await request(t.server).get('/demo/whoami').set('x-api-key', malformed);
    expect(bad.body.code).toBe('MALFORMED');
    const tooLong = await request(t.server)
      .get('/demo/whoami')
      .set('x-api-key', `sk_${'x'.repeat(600)}`);
    expect(tooLong.body.code).toBe('MALFORMED');
    const missing = await request(t.server).get('/demo/whoami');
    expect(missing.body.code).toBe('MISSING');
    expect(counter.count).toBe(0);

    const unknown = await request(t.server).get('/demo/whoami').set('x-api-key', new KeyFormat('sk', 32).generate());
    expect(unknown.body.code).toBe('NOT_FOUND');
    expect(counter.count).toBeGreaterThan(0);
  });
});
