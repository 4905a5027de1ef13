import type { INestApplication, Type } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import type { DataSource, DataSourceOptions } from 'typeorm';
import { ApiKeyService, ApiKeysModule, type ApiKeysModuleOptions, type ApiKeysStructuralOptions } from '../../lib/index.js';
import { DemoController, OpenController, ReportsController } from '../fixtures/demo.controller.js';
import { createTestDatabase, type TestDatabase } from './databases.js';

export type Platform = 'express' | 'fastify';
export const PLATFORMS: Platform[] = ['express', 'fastify'];

export interface TestAppOptions {
  platform?: Platform;
  options?: ApiKeysModuleOptions;
  structural?: ApiKeysStructuralOptions;
  /** Register with forRootAsync (options from useFactory) instead of forRoot. */
  async?: boolean;
  /** Register the TypeORM DataSource under this name. */
  dataSourceName?: string;
  controllers?: Type<unknown>[];
  /** Extra modules and providers for the test module (e.g. host guards). */
  imports?: any[];
  providers?: any[];
  typeorm?: Partial<DataSourceOptions>;
  /** Options of the FastifyAdapter (e.g. `routerOptions`), on the fastify platform. */
  fastifyOptions?: ConstructorParameters<typeof FastifyAdapter>[0];
  /**
   * Reuse this database (e.g. a second app on the first app's data) instead of creating a
   * fresh one. Its owner drops it: `close()` then closes the app only.
   */
  database?: TestDatabase;
}

export interface TestApp {
  app: INestApplication;
  /** For supertest: `request(t.server)`. */
  server: any;
  apiKeys: ApiKeyService;
  dataSource: DataSource;
  database: TestDatabase;
  close(): Promise<void>;
}

/** A real Nest app on a fresh database of the current lane, listening on an ephemeral port. */
export async function createTestApp(config: TestAppOptions = {}): Promise<TestApp> {
  const database = config.database ?? (await createTestDatabase(config.typeorm));
  const name = config.dataSourceName;
  const structural = config.structural ?? {};
  const dataSourceOption = name ? { dataSource: name } : {};
  const apiKeysModule = config.async
    ? ApiKeysModule.forRootAsync({ useFactory: async () => config.options ?? {}, ...structural, ...dataSourceOption })
    : ApiKeysModule.forRoot({ ...config.options, ...structural, ...dataSourceOption });
  const moduleRef = await Test.createTestingModule({
    imports: [
      TypeOrmModule.forRoot({ ...database.options, retryAttempts: 0, ...(name ? { name } : {}) } as any),
      apiKeysModule,
      ...(config.imports ?? []),
    ],
    controllers: config.controllers ?? [OpenController, DemoController, ReportsController],
    providers: config.providers ?? [],
  }).compile();

  const app =
    config.platform === 'fastify'
      ? moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(config.fastifyOptions))
      : moduleRef.createNestApplication(new ExpressAdapter());
  app.enableShutdownHooks();
  try {
    await app.init();
  } catch (error) {
    // A boot that fails (a test may expect it) must not leave its DataSource pool open.
    await app.close().catch(() => undefined);
    throw error;
  }
  if (config.platform === 'fastify') await (app as NestFastifyApplication).getHttpAdapter().getInstance().ready();
  const dataSource = app.get<DataSource>(getDataSourceToken(name ?? 'default'));
  return {
    app,
    server: app.getHttpServer(),
    apiKeys: app.get(ApiKeyService),
    dataSource,
    database,
    close: async () => {
      await app.close();
      if (!config.database) await database.drop();
    },
  };
}
