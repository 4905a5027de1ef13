import type { Provider, Type } from '@nestjs/common';
import { API_KEYS_RESOLVED_OPTIONS } from '../../api-keys.internal-constants.js';
import type { ResolvedApiKeysOptions } from '../../api-keys.options.js';
import type { ApiKeysAdminOptions } from '../../interfaces/api-keys-options.interface.js';
import { AdminPage, pageAuth, pageKeySource } from './admin-page-assets.js';
import { AdminPageContextController } from './admin-page-context.controller.js';
import { AdminPageController } from './admin-page.controller.js';
import { ADMIN_PAGE } from './admin-page.tokens.js';

/** @internal What `admin: { ui: true }` adds to the admin module. */
export function adminPageParts(admin: ApiKeysAdminOptions): { controllers: Type<unknown>[]; providers: Provider[] } {
  if (admin.ui !== true) return { controllers: [], providers: [] };
  return {
    controllers: [AdminPageController, AdminPageContextController],
    providers: [
      {
        provide: ADMIN_PAGE,
        useFactory: (options: ResolvedApiKeysOptions) =>
          AdminPage.load({ auth: pageAuth(admin), keySource: pageKeySource(options.sources) }),
        inject: [API_KEYS_RESOLVED_OPTIONS],
      },
    ],
  };
}
