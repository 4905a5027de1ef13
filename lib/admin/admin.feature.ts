import { AdminGrantCheck } from './grant-check.js';
import type { ApiKeysFeature } from '../api-keys.feature.js';
import { KeysAdminController } from './keys-admin.controller.js';
import { VerifyAdminController } from './verify-admin.controller.js';

/** The admin REST API's key routes, mounted when `admin` is set (SPEC §9). @internal */
export const adminFeature: ApiKeysFeature = {
  name: 'admin',
  providers: [AdminGrantCheck],
  exports: [AdminGrantCheck],
  adminControllers: [KeysAdminController, VerifyAdminController],
  options: ['adminPolicy'],
};
