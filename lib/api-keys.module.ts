import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { APP_GUARD, RouterModule } from '@nestjs/core';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import { ApiKeysAdminModule } from './admin/api-keys-admin.module.js';
import { API_KEYS_ENTITIES, FEATURES } from './api-keys.features.js';
import {
  API_KEYS_ASYNC_OPTIONS_TYPE,
  API_KEYS_MODULE_OPTIONS,
  API_KEYS_OPTIONS_TYPE,
  ApiKeysConfigurableModule,
} from './api-keys.module-definition.js';
import {
  API_KEYS_CHANGE_HOOKS,
  API_KEYS_DATA_SOURCE,
  API_KEYS_ENTITY_LIST,
  API_KEYS_RESOLVED_OPTIONS,
  API_KEYS_STRUCTURAL_OPTIONS,
  API_KEYS_VERIFICATION_HOOKS,
} from './api-keys.internal-constants.js';
import { resolveOptions } from './api-keys.options.js';
import { ApiKeyGuard } from './guard/api-key.guard.js';
import type { ApiKeyChangeHook } from './interfaces/api-key-change.interface.js';
import type { ApiKeysModuleOptions, ApiKeysStructuralOptions } from './interfaces/api-keys-options.interface.js';
import type { ApiKeyVerificationHook } from './verification/verification-hook.js';

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
    const changeHooks = FEATURES.flatMap((feature) => feature.changeHooks ?? []);
    const verificationHooks = FEATURES.flatMap((feature) => feature.verificationHooks ?? []);
    const providers: Provider[] = [
      { provide: API_KEYS_STRUCTURAL_OPTIONS, useValue: { ...structural, dataSource } },
      {
        provide: API_KEYS_RESOLVED_OPTIONS,
        useFactory: (options: ApiKeysModuleOptions) => resolveOptions(options, { fromFactory: form === 'forRootAsync' }),
        inject: [API_KEYS_MODULE_OPTIONS],
      },
      { provide: API_KEYS_DATA_SOURCE, useExisting: getDataSourceToken(dataSource) },
      { provide: API_KEYS_ENTITY_LIST, useValue: API_KEYS_ENTITIES },
      { provide: API_KEYS_CHANGE_HOOKS, useFactory: (...hooks: ApiKeyChangeHook[]) => hooks, inject: changeHooks },
      { provide: API_KEYS_VERIFICATION_HOOKS, useFactory: (...hooks: ApiKeyVerificationHook[]) => hooks, inject: verificationHooks },
      ...FEATURES.flatMap((feature) => feature.providers ?? []),
    ];
    if (structural.globalGuard) providers.push({ provide: APP_GUARD, useExisting: ApiKeyGuard });
    // Core providers live in one inner module that both this module and the admin module
    // import, so the admin controllers reach the services even when isGlobal is false.
    const core: DynamicModule = {
      module: ApiKeysCoreModule,
      imports: [...(base.imports ?? []), TypeOrmModule.forFeature(API_KEYS_ENTITIES, dataSource)],
      providers: [...(base.providers ?? []), ...providers],
      exports: [...FEATURES.flatMap((feature) => feature.exports ?? []), TypeOrmModule],
    };
    const imports: NonNullable<DynamicModule['imports']> = [core];
    if (admin) {
      imports.push(
        ApiKeysAdminModule.register(
          admin,
          core,
          FEATURES.flatMap((feature) => feature.adminControllers ?? []),
        ),
        RouterModule.register([{ path: admin.path, module: ApiKeysAdminModule }]),
      );
    }
    return { module: ApiKeysModule, global: structural.isGlobal ?? true, imports, exports: [core] };
  }
}
