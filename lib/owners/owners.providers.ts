import type { Provider } from '@nestjs/common';
import { ApiKeyStore } from '../store/api-key.store.js';
import { OwnerCountsHook } from './owner-counts.hook.js';
import { OwnerCountsStore } from './owner-counts.store.js';

/** The owner counts and the hook that keeps them. @internal */
export const OWNERS_PROVIDERS: Provider[] = [
  { provide: OwnerCountsStore, useFactory: (store: ApiKeyStore) => new OwnerCountsStore(store), inject: [ApiKeyStore] },
  OwnerCountsHook,
];
