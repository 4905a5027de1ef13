import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Module, type DynamicModule, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { getMetadataArgsStorage, type DataSource } from 'typeorm';
import { ApiKeysModule } from '../api-keys.module.js';
import { resolveOptions } from '../api-keys.options.js';
import { ApiKeyEntity } from '../entities/api-key.entity.js';
import type { ApiKeysModuleOptions } from '../interfaces/api-keys-options.interface.js';
import { systemClock, type ApiKeysClock } from '../interfaces/clock.interface.js';
import { ApiKeyService } from '../keys/api-key.service.js';
import { CliFailure, describeError } from './cli-errors.js';
import { createNestLogger, createTypeOrmLogger, type CliOutput } from './cli-logger.js';
import { loadApiKeysOptions, loadDataSource } from './module-loader.js';

/** What a command needs to reach the app's keys. @internal */
export interface CliSessionConfig {
  dataSourceFile: string;
  optionsFile?: string;
  /** Overrides the options file's `keyPrefix`. */
  prefix?: string;
  /** How long connecting and booting may take. */
  timeoutMs: number;
  verbose: boolean;
  output: CliOutput;
}

/** The app's `ApiKeyService` on the app's database, with the app's options. @internal */
export interface CliSession {
  apiKeys: ApiKeyService;
  clock: ApiKeysClock;
  close(): Promise<void>;
}

// Structural options shape an HTTP app (admin routes, a global guard, a DataSource name); the
// CLI has none of those and always uses the DataSource of --data-source.
const STRUCTURAL_OPTIONS = ['isGlobal', 'dataSource', 'globalGuard', 'admin'];

/** @internal Root module of the CLI's Nest application context. */
@Module({})
export class ApiKeysCliModule {}

/**
 * Opens the user's DataSource (never changing its schema) and boots a Nest application
 * context with `ApiKeysModule` on it, so keys are made by the very service, key format,
 * pepper and validation the app uses.
 * @internal
 */
export async function openCliSession(config: CliSessionConfig): Promise<CliSession> {
  const options = await loadRuntimeOptions(config);
  const dataSource = await loadDataSource(config.dataSourceFile);
  await connect(dataSource, config);
  let app: INestApplicationContext | undefined;
  try {
    const root: DynamicModule = {
      module: ApiKeysCliModule,
      imports: [
        TypeOrmModule.forRootAsync({ useFactory: () => dataSource.options, dataSourceFactory: async () => dataSource }),
        ApiKeysModule.forRoot(options),
      ],
    };
    app = await withTimeout(
      NestFactory.createApplicationContext(root, { logger: createNestLogger(config.output, config.verbose), abortOnError: false }),
      config.timeoutMs,
      'the database did not answer',
    );
    const context = app;
    return {
      apiKeys: context.get(ApiKeyService),
      clock: options.clock ?? systemClock,
      close: () => context.close(),
    };
  } catch (error) {
    // The context owns the DataSource once it exists (it destroys it on close).
    if (app) await app.close().catch(() => undefined);
    else if (dataSource.isInitialized) await dataSource.destroy().catch(() => undefined);
    throw error;
  }
}

async function loadRuntimeOptions(config: CliSessionConfig): Promise<ApiKeysModuleOptions> {
  const loaded = config.optionsFile ? await loadApiKeysOptions(config.optionsFile) : {};
  const options = Object.fromEntries(Object.entries(loaded).filter(([name]) => !STRUCTURAL_OPTIONS.includes(name))) as ApiKeysModuleOptions;
  if (config.prefix !== undefined) options.keyPrefix = config.prefix;
  try {
    resolveOptions(options); // the module checks them again at boot; here it fails before connecting
  } catch (error) {
    const source = config.optionsFile ? `--options ${config.optionsFile}` : 'options';
    throw new CliFailure(`${source}: ${describeError(error)}`, { cause: error });
  }
  return options;
}

async function connect(dataSource: DataSource, config: CliSessionConfig): Promise<void> {
  const logger = createTypeOrmLogger(config.output, config.verbose);
  if (!dataSource.isInitialized) {
    checkSqliteFile(dataSource);
    // The CLI only reads and writes keys: it never synchronizes, drops or migrates a schema,
    // whatever the file says (TypeORM's own CLI does the same for its commands).
    dataSource.setOptions({ synchronize: false, migrationsRun: false, dropSchema: false, logger });
    try {
      await withTimeout(dataSource.initialize(), config.timeoutMs, 'no answer');
    } catch (error) {
      throw new CliFailure(`cannot reach the database (${String(dataSource.options.type)}): ${describeError(error)}`, { cause: error });
    }
  } else {
    dataSource.setOptions({ logger });
  }
  if (!dataSource.hasMetadata(ApiKeyEntity)) {
    await dataSource.destroy().catch(() => undefined);
    // The table name as the entity's own decorator declares it.
    const table = getMetadataArgsStorage().tables.find((args) => args.target === ApiKeyEntity)?.name;
    if (dataSource.entityMetadatas.some((metadata) => metadata.tableName === table)) {
      throw new CliFailure(
        `the DataSource of --data-source ${config.dataSourceFile} lists API_KEYS_ENTITIES of another copy of nest-api-keys ` +
          `(a TypeScript loader that compiles the package again, or a second install): give the compiled .js file, which imports the installed package.`,
      );
    }
    throw new CliFailure(
      `the DataSource of --data-source ${config.dataSourceFile} does not list API_KEYS_ENTITIES: ` +
        `add entities: [...API_KEYS_ENTITIES, ...yours] to it (import API_KEYS_ENTITIES from 'nest-api-keys').`,
    );
  }
}

/**
 * TypeORM creates a missing SQLite file (and its folders): for the CLI that would turn a
 * mistyped path into a new empty database. A file that is not there is not the app's database.
 */
function checkSqliteFile(dataSource: DataSource): void {
  const { type, database } = dataSource.options as { type: string; database?: unknown };
  if (type !== 'better-sqlite3' && type !== 'sqlite') return;
  if (typeof database !== 'string' || database === ':memory:' || database.startsWith('file:')) return;
  if (!existsSync(resolve(database))) {
    throw new CliFailure(
      `cannot reach the database (${type}): the SQLite file ${resolve(database)} does not exist (start the app or run its migrations first)`,
    );
  }
}

/** Rejects with `message (after Ns)` when `work` takes longer than `ms`. */
async function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CliFailure(`${message} within ${formatSeconds(ms)} (--timeout)`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms} ms`;
}
