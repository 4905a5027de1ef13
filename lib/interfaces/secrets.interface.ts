/**
 * The keyring of the secrets vault (SPEC §8): encryption keys by id, each the base64 of exactly
 * 32 random bytes, and the id of the one new writes use. Every stored secret records the id of
 * the key that encrypted it, so a key can rotate: add a new one, make it `activeKeyId`, run
 * `ApiKeySecretsService.reencrypt()`, then remove the old one.
 *
 * @example
 * ApiKeysModule.forRoot({
 *   secrets: { keys: { k2025: process.env.SECRETS_KEY_2025!, k2026: process.env.SECRETS_KEY_2026! }, activeKeyId: 'k2026' },
 * })
 */
export interface SecretsOptions {
  /**
   * Key id → base64 of 32 bytes. Ids are 1–32 letters, digits, `_ . -` (stored on each row).
   * Generate a key with `node -e "console.log(require('crypto').randomBytes(32).toString('base64'))"`.
   */
  keys: Record<string, string>;
  /** The key that encrypts new and re-encrypted secrets; one of `keys`. */
  activeKeyId: string;
}

/** A stored secret without its value: what listings, metadata reads and writes answer. */
export interface SecretMetadata {
  name: string;
  ownerId: string;
  /** Id of the keyring key the stored value is encrypted with. */
  keyId: string;
  createdAt: Date;
  updatedAt: Date;
}

/** A secret that `reencrypt()` could not decrypt, left as it was (never its value). */
export interface UnreadableSecret {
  ownerId: string;
  name: string;
  keyId: string;
  /** `unknown-key`: its key id is not in the keyring; `authentication-failed`: the row was altered or moved. */
  reason: 'unknown-key' | 'authentication-failed';
}

/** Options of `ApiKeySecretsService.reencrypt()`. */
export interface ReencryptOptions {
  /** Rows re-encrypted per transaction, 1–1000. Default 100. */
  batchSize?: number;
  /**
   * Called after each committed batch with the running totals (progress reporting). A throw
   * stops the run there; the batches already committed stay on the new key and a later run
   * picks up the rest.
   */
  onBatch?: (progress: { reencrypted: number; batches: number }) => void | Promise<void>;
}

/** What one `reencrypt()` run did. */
export interface ReencryptResult {
  /** The key every re-encrypted row is on now. */
  activeKeyId: string;
  /** Rows this run moved to the active key. */
  reencrypted: number;
  /** Rows it could not decrypt (skipped, unchanged); empty when every row is readable. */
  unreadable: UnreadableSecret[];
}
