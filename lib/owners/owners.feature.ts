import type { ApiKeysFeature } from '../api-keys.feature.js';
import { ApiKeysOwnerCounts1764050000000 } from '../migrations/1764050000000-api-keys-owner-counts.js';
import { OwnerCountsHook } from './owner-counts.hook.js';
import { OWNERS_PROVIDERS } from './owners.providers.js';

/**
 * Per-owner state: `activeKeys`, kept exact by every change that moves it, and the
 * `maxKeysPerOwner` cap enforced in the create's transaction (SPEC §11).
 * @internal
 */
export const ownersFeature: ApiKeysFeature = {
  name: 'owners',
  providers: OWNERS_PROVIDERS,
  migrations: [ApiKeysOwnerCounts1764050000000],
  changeHooks: [OwnerCountsHook],
  options: ['maxKeysPerOwner'],
};
