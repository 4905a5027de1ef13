import type { ApiKeysFeature } from '../api-keys.feature.js';
import { ChildKeysAdminController } from './child-keys-admin.controller.js';
import { ChildKeys } from './child-keys.js';
import { ChildNarrowingHook } from './child-narrowing.hook.js';

/**
 * Child keys (SPEC §6, §8): issued under a live parent, never holding more than it. Their
 * verification (the parent's checks, the intersection of permissions, the parent's credits and
 * limits) lives in the verify chain; this feature issues them and keeps later changes narrowing.
 * @internal
 */
export const childrenFeature: ApiKeysFeature = {
  name: 'children',
  providers: [ChildKeys, ChildNarrowingHook],
  adminControllers: [ChildKeysAdminController],
  changeHooks: [ChildNarrowingHook],
};
