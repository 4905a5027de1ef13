import { Injectable } from '@nestjs/common';
import { ApiKeyValidationError, KeyExistsError } from '../api-keys.errors.js';
import type { ImportApiKeyInput } from '../interfaces/api-key.interface.js';
import { ApiKeyStore } from '../store/api-key.store.js';
import type { StoredSecret } from './key-columns.js';
import { KeyFormat } from './key-format.js';
import { KeyHasher, SHA256_HASH_VERSION } from './key-hasher.js';

const SHA256_HEX = /^[0-9a-f]{64}$/i;

/**
 * The secret side of a key (SPEC §3, §4): a new raw key with what is stored of it, or what is
 * stored of an imported one. The raw key leaves only through `issue()`'s answer.
 * @internal
 */
@Injectable()
export class KeySecrets {
  constructor(
    private readonly format: KeyFormat,
    private readonly hasher: KeyHasher,
    private readonly store: ApiKeyStore,
  ) {}

  /** A new random key and how it is stored (hash of the current version, display parts). */
  issue(): { key: string; secret: StoredSecret } {
    const key = this.format.generate();
    const parsed = this.format.parse(key)!;
    return { key, secret: { ...this.hasher.hash(key), start: parsed.start, last4: parsed.last4 } };
  }

  /**
   * What is stored of a key issued elsewhere: its raw value, hashed now with the current
   * version, or its SHA-256 hex hash (upgraded to the current version on its first verify).
   */
  async imported(input: ImportApiKeyInput): Promise<StoredSecret> {
    if (typeof input.key === 'string') {
      const parsed = this.format.parse(input.key);
      if (!parsed) throw ApiKeyValidationError.field('key', 'key matches neither the key format of keyPrefix nor legacyKeyPattern');
      // Under a pepper the same key may already be stored under another version (an older
      // pepper, or its imported SHA-256 hash), which the unique index cannot see.
      const candidates = this.hasher.candidates(input.key);
      if (candidates.length > 1 && (await this.store.findByHashes(candidates.map((c) => c.hash)))) throw new KeyExistsError();
      return { ...this.hasher.hash(input.key), start: parsed.start, last4: parsed.last4 };
    }
    if (typeof input.hash === 'string' && SHA256_HEX.test(input.hash)) {
      return { hash: input.hash.toLowerCase(), version: SHA256_HASH_VERSION, start: '', last4: '' };
    }
    throw ApiKeyValidationError.field('key', 'give either key (the raw key) or hash (its SHA-256 as 64 hex characters)');
  }

  /** Whether a string carries this module's key prefix (or the legacy pattern). */
  looksLikeKey(value: string): boolean {
    return this.format.hasPrefix(value);
  }
}
