import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { ApiKeysModuleOptions, ApiKeysStructuralOptions } from './interfaces/api-keys-options.interface.js';

/**
 * The generated base of `ApiKeysModule`. Structural options ride along as extras so they are
 * plain values in `forRootAsync` too; `ApiKeysModule` reads them before calling super.
 * @internal
 */
export const {
  ConfigurableModuleClass: ApiKeysConfigurableModule,
  MODULE_OPTIONS_TOKEN: API_KEYS_MODULE_OPTIONS,
  OPTIONS_TYPE: API_KEYS_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: API_KEYS_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<ApiKeysModuleOptions>()
  .setClassMethodName('forRoot')
  .setExtras<ApiKeysStructuralOptions>(
    { isGlobal: true, dataSource: 'default', globalGuard: false, admin: false },
    (definition) => definition,
  )
  .build();
