import type { ApiKeysFeature } from '../api-keys.feature.js';
import { ApiKeyStore } from '../store/api-key.store.js';
import { ApiKeyRbacService } from './api-key-rbac.service.js';
import { RbacAdminController } from './rbac-admin.controller.js';
import { RbacStore } from './rbac.store.js';

/**
 * Roles and permissions (SPEC §8, §9): ApiKeyRbacService, its store, and the admin routes
 * `/permissions`, `/roles`, `PUT /keys/:id/roles` and `PUT /keys/:id/permissions`. The tables
 * are the core entities: keys load their grants with them.
 * @internal
 */
export const rbacFeature: ApiKeysFeature = {
  name: 'rbac',
  providers: [{ provide: RbacStore, useFactory: (keys: ApiKeyStore) => new RbacStore(keys), inject: [ApiKeyStore] }, ApiKeyRbacService],
  exports: [ApiKeyRbacService],
  adminControllers: [RbacAdminController],
};
