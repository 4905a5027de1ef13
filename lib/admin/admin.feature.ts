import type { ApiKeysFeature } from '../api-keys.feature.js';
import { KeysAdminController } from './keys-admin.controller.js';
import { VerifyAdminController } from './verify-admin.controller.js';

/** The admin REST API's key routes, mounted when `admin` is set (SPEC §9). @internal */
export const adminFeature: ApiKeysFeature = {
  name: 'admin',
  adminControllers: [KeysAdminController, VerifyAdminController],
  options: ['adminPolicy'],
};
