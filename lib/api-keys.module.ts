import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { APP_GUARD, RouterModule } from '@nestjs/core';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import { ApiKeysAdminModule } from './admin/api-keys-admin.module.js';
import {
  API_KEYS_ASYNC_OPTIONS_TYPE,
  API_KEYS_MODULE_OPTIONS,
  API_KEYS_OPTIONS_TYPE,
  ApiKeysConfigurableModule,
} from './api-keys.module-definition.js';
import { getStorageToken } from '@nestjs/throttler';
import {
  API_KEYS_DATA_SOURCE,
  API_KEYS_FAILED_ATTEMPTS,
  API_KEYS_RATE_LIMIT_STORAGE,
  API_KEYS_RESOLVED_OPTIONS,
  API_KEYS_STRUCTURAL_OPTIONS,
} from './api-keys.internal-constants.js';
import { resolveOptions, type ResolvedApiKeysOptions } from './api-keys.options.js';
import type { RateLimitStorage } from './interfaces/quota.interface.js';
import { FailedAttempts } from './quotas/failed-attempts.js';
import { InMemoryRateLimitStorage } from './quotas/in-memory-rate-limit.storage.js';
import { API_KEYS_ENTITIES } from './entities/index.js';
import { ApiKeyGuard } from './guard/api-key.guard.js';
import type { ApiKeysModuleOptions, ApiKeysStructuralOptions } from './interfaces/api-keys-options.interface.js';
import { ApiKeyService } from './keys/api-key.service.js';
import { SchemaCheck } from './store/schema-check.js';
import { PepperCoverageCheck } from './keys/pepper-coverage.check.js';

/** @internal Holds the library's providers; see ApiKeysModule.assemble. */
@Module({})
export class ApiKeysCoreModule {}

/**
 * API-key authentication and key management in one import. The host configures TypeORM
 * (with `API_KEYS_ENTITIES`); this module registers its entities with `forFeature` on the
 * chosen DataSource and never configures the host's infrastructure.
 *
 * @example
 * ApiKeysModule.forRoot({ keyPrefix: 'sk_live', admin: { path: 'api-keys' } })
 * ApiKeysModule.forRootAsync({ inject: [ConfigService], useFactory: (c) => ({ pepper: c.get('PEPPER') }), admin: { path: 'api-keys' } })
 */
@Module({})
export class ApiKeysModule extends ApiKeysConfigurableModule {
  static override forRoot(options: typeof API_KEYS_OPTIONS_TYPE = {}): DynamicModule {
    return this.assemble(super.forRoot(options), options, 'forRoot');
  }

  static override forRootAsync(options: typeof API_KEYS_ASYNC_OPTIONS_TYPE): DynamicModule {
    return this.assemble(super.forRootAsync(options), options, 'forRootAsync');
  }

  /** Adds what the structural options decide; they are plain values in both forms. */
  private static assemble(base: DynamicModule, structural: ApiKeysStructuralOptions, form: 'forRoot' | 'forRootAsync'): DynamicModule {
    const dataSource = structural.dataSource ?? 'default';
    const admin = structural.admin || undefined;
    const providers: Provider[] = [
      { provide: API_KEYS_STRUCTURAL_OPTIONS, useValue: { ...structural, dataSource } },
      {
        provide: API_KEYS_RESOLVED_OPTIONS,
        useFactory: (options: ApiKeysModuleOptions) => resolveOptions(options, { fromFactory: form === 'forRootAsync' }),
        inject: [API_KEYS_MODULE_OPTIONS],
      },
      { provide: API_KEYS_DATA_SOURCE, useExisting: getDataSourceToken(dataSource) },
      {
        // The option, else the host's @nestjs/throttler storage, else the in-process default.
        provide: API_KEYS_RATE_LIMIT_STORAGE,
        useFactory: (options: ResolvedApiKeysOptions, hostStorage?: RateLimitStorage) =>
          options.rateLimitStorage ?? hostStorage ?? new InMemoryRateLimitStorage(options.clock),
        inject: [API_KEYS_RESOLVED_OPTIONS, { token: getStorageToken(), optional: true }],
      },
      {
        // Failures are recorded in a shared storage when there is one (the option, the host's),
        // else in the guard's own bounded in-process counters.
        provide: API_KEYS_FAILED_ATTEMPTS,
        useFactory: (options: ResolvedApiKeysOptions, hostStorage?: RateLimitStorage) =>
          options.failedAttempts
            ? new FailedAttempts(options.rateLimitStorage ?? hostStorage ?? null, options.clock, options.failedAttempts)
            : null,
        inject: [API_KEYS_RESOLVED_OPTIONS, { token: getStorageToken(), optional: true }],
      },
      ApiKeyService,
      ApiKeyGuard,
      SchemaCheck,
      PepperCoverageCheck,
    ];
    if (structural.globalGuard) providers.push({ provide: APP_GUARD, useExisting: ApiKeyGuard });
    // Core providers live in one inner module that both this module and the admin module
    // import, so the admin controllers reach the services even when isGlobal is false.
    const core: DynamicModule = {
      module: ApiKeysCoreModule,
      imports: [...(base.imports ?? []), TypeOrmModule.forFeature(API_KEYS_ENTITIES, dataSource)],
      providers: [...(base.providers ?? []), ...providers],
      exports: [
        ApiKeyService,
        ApiKeyGuard,
        API_KEYS_RESOLVED_OPTIONS,
        API_KEYS_DATA_SOURCE,
        API_KEYS_RATE_LIMIT_STORAGE,
        API_KEYS_FAILED_ATTEMPTS,
        TypeOrmModule,
      ],
    };
    const imports: NonNullable<DynamicModule['imports']> = [core];
    if (admin) {
      imports.push(
        ApiKeysAdminModule.register(admin, core),
        RouterModule.register([{ path: admin.path, module: ApiKeysAdminModule }]),
      );
    }
    return { module: ApiKeysModule, global: structural.isGlobal ?? true, imports, exports: [core] };
  }
}
