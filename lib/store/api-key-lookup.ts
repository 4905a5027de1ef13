import type { ApiKeyEntity } from '../entities/api-key.entity.js';

/**
 * How the verifier reads stored keys (DESIGN: seams shaped like the storage contract): by
 * hash for a presented key, by id for a successor or a parent. Each answer carries the key's
 * grants and its owner's shared limits. The default is the ApiKeyStore; a cache decorates it.
 * Rows are treated as read-only by every caller.
 * @internal
 */
export interface ApiKeyLookup {
  /** The key stored under one of these hashes (one per configured hash version), or null. */
  findByHashes(hashes: string[]): Promise<ApiKeyEntity | null>;
  /** A key by id, or null. */
  findById(id: string): Promise<ApiKeyEntity | null>;
}

/** DI token of the ApiKeyLookup the verifier uses. @internal */
export const ApiKeyLookup = Symbol('nest-api-keys:ApiKeyLookup');
