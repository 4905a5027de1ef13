import { Module, type DynamicModule, type Type } from '@nestjs/common';
import type { ApiKeysAdminOptions } from '../interfaces/api-keys-options.interface.js';
import { AdminAccessGuard } from './admin-access.guard.js';
import { API_KEYS_ADMIN_OPTIONS } from './api-keys-admin.options.js';
import { adminPageParts } from './ui/admin-page.providers.js';

/**
 * The admin REST API, mounted by `ApiKeysModule` under `admin.path` with RouterModule: the
 * admin controllers of every feature.
 * Host guards from `admin.guards` are providers here, so they can inject what
 * `admin.imports` brings. `admin.ui` adds the admin page.
 * @internal
 */
@Module({})
export class ApiKeysAdminModule {
  static register(options: ApiKeysAdminOptions, core: DynamicModule, controllers: Type<unknown>[]): DynamicModule {
    const guards = options.guards ?? [];
    const page = adminPageParts(options);
    return {
      module: ApiKeysAdminModule,
      imports: [core, ...(options.imports ?? [])],
      controllers: [...controllers, ...page.controllers],
      providers: [{ provide: API_KEYS_ADMIN_OPTIONS, useValue: options }, AdminAccessGuard, ...guards, ...page.providers],
    };
  }
}
