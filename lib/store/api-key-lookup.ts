import type { ApiKeyEntity } from '../entities/api-key.entity.js';

/**
 * How the verifier reads stored keys (DESIGN: seams shaped like the storage contract): by
 * hash for a presented key, by id for a successor or a parent. Each answer carries the key's
 * grants and its owner's shared limits. The default is the ApiKeyStore; the key cache
 * (lib/cache) decorates it and adds the optional members. Rows are read-only for every
 * caller (the cache hands out frozen rows shared between requests).
 * @internal
 */
export interface ApiKeyLookup {
  /** The key stored under one of these hashes (one per configured hash version), or null. */
  findByHashes(hashes: string[]): Promise<ApiKeyEntity | null>;
  /** A key by id, or null. */
  findById(id: string): Promise<ApiKeyEntity | null>;
  /**
   * A cache only: a stamp of its invalidations so far. A verify takes one before its first
   * read and asks `changedSince` before it consumes anything: a row it read may predate a
   * change that has committed since.
   */
  stamp?(): number;
  /**
   * A cache only: the cached row stored under one of these hashes, or undefined — answered
   * without a store call, so a warm verify needs no await.
   */
  peekByHashes?(hashes: string[]): ApiKeyEntity | undefined;
  /** A cache only: whether anything was invalidated after `stamp` was taken. */
  changedSince?(stamp: number): boolean;
  /** A cache only: forgets these keys (their rows changed outside the change pipeline, e.g. a re-hash). */
  evict?(ids: readonly string[]): void;
}

/** DI token of the ApiKeyLookup the verifier uses. @internal */
export const ApiKeyLookup = Symbol('nest-api-keys:ApiKeyLookup');
