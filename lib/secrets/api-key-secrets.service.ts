import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { ApiKeyValidationError, SecretsNotConfiguredError, SecretUnreadableError } from '../api-keys.errors.js';
import { API_KEYS_RESOLVED_OPTIONS } from '../api-keys.internal-constants.js';
import type { ResolvedApiKeysOptions } from '../api-keys.options.js';
import { ApiKeyChanges } from '../changes/api-key-changes.js';
import type { ActorContext } from '../interfaces/api-key.interface.js';
import { checkOwnerId } from '../keys/api-key-input.js';
import type { ReencryptOptions, ReencryptResult, SecretMetadata, UnreadableSecret } from '../interfaces/secrets.interface.js';
import type { ApiKeySecretEntity } from './api-key-secret.entity.js';
import { SecretCipher } from './secret-cipher.js';
import { checkSecretAddress, checkSecretValue } from './secret-input.js';
import { SecretsStore } from './secrets.store.js';

const DEFAULT_REENCRYPT_BATCH = 100;
const MAX_REENCRYPT_BATCH = 1000;

const toMetadata = (row: Pick<ApiKeySecretEntity, 'name' | 'ownerId' | 'keyId' | 'createdAt' | 'updatedAt'>): SecretMetadata => ({
  name: row.name,
  ownerId: row.ownerId,
  keyId: row.keyId,
  createdAt: new Date(row.createdAt),
  updatedAt: new Date(row.updatedAt),
});

/**
 * The secrets vault: third-party credentials of an owner (a Stripe key, a webhook signing
 * secret), stored encrypted with AES-256-GCM under the `secrets` keyring (SPEC §8). A value is
 * returned only by `get`; listings and writes answer metadata. `put` and `delete` are changes
 * (audited as `secret.put` / `secret.deleted`, with the name and key id, never the value).
 * `reencrypt()` moves every row to the active key after a rotation. Without the `secrets`
 * option every method throws SecretsNotConfiguredError (the admin routes answer 501).
 *
 * @example
 * await secrets.put('acme', 'stripe', 'sk_live_…', { actorId: 'alice' });
 * const stripeKey = await secrets.get('acme', 'stripe'); // 'sk_live_…', or null
 * await secrets.list('acme'); // [{ name: 'stripe', ownerId: 'acme', keyId: 'k2026', createdAt, updatedAt }]
 * await secrets.reencrypt(); // after switching secrets.activeKeyId
 */
@Injectable()
export class ApiKeySecretsService {
  private readonly logger = new Logger('ApiKeySecrets');
  private readonly cipher: SecretCipher | null;

  constructor(
    private readonly store: SecretsStore,
    private readonly changes: ApiKeyChanges,
    @Inject(API_KEYS_RESOLVED_OPTIONS) options: ResolvedApiKeysOptions,
  ) {
    this.cipher = options.secrets ? new SecretCipher(options.secrets) : null;
  }

  /** Whether the `secrets` keyring is configured (else every method throws SecretsNotConfiguredError). */
  get configured(): boolean {
    return this.cipher !== null;
  }

  /**
   * Stores `value` as (ownerId, name), encrypted with the active key: a new secret, or a
   * replacement of the stored one (its createdAt stays). `value` is a non-empty string of at
   * most 32 KiB of UTF-8. Answers the metadata.
   */
  async put(ownerId: string, name: string, value: string, ctx: ActorContext = {}): Promise<SecretMetadata> {
    const cipher = this.requireCipher();
    const address = checkSecretAddress(ownerId, name);
    const sealed = cipher.seal(address.ownerId, address.name, checkSecretValue(value));
    const stored = await this.changes.run(ctx, async (tx) => {
      const row = { id: randomUUID(), ...address, ...sealed, createdAt: tx.at, updatedAt: tx.at };
      await this.store.upsert(tx.manager, row);
      tx.record({ action: 'secret.put', ownerId: address.ownerId, details: { name: address.name, keyId: sealed.keyId } });
      return (await this.store.find(address.ownerId, address.name, tx.manager))!;
    });
    return toMetadata(stored);
  }

  /**
   * The decrypted value of (ownerId, name), or null when there is none. Throws
   * SecretUnreadableError when the row's key is not in the keyring or the row was altered.
   */
  async get(ownerId: string, name: string): Promise<string | null> {
    const cipher = this.requireCipher();
    const address = checkSecretAddress(ownerId, name);
    const row = await this.store.find(address.ownerId, address.name);
    return row ? cipher.open(row.ownerId, row.name, row) : null;
  }

  /**
   * The metadata and the decrypted value of (ownerId, name), read together from one row, or
   * null. Throws SecretUnreadableError like `get`.
   */
  async reveal(ownerId: string, name: string): Promise<(SecretMetadata & { value: string }) | null> {
    const cipher = this.requireCipher();
    const address = checkSecretAddress(ownerId, name);
    const row = await this.store.find(address.ownerId, address.name);
    return row ? { ...toMetadata(row), value: cipher.open(row.ownerId, row.name, row) } : null;
  }

  /** The metadata of (ownerId, name) without decrypting it, or null. */
  async metadata(ownerId: string, name: string): Promise<SecretMetadata | null> {
    this.requireCipher();
    const address = checkSecretAddress(ownerId, name);
    const row = await this.store.find(address.ownerId, address.name);
    return row ? toMetadata(row) : null;
  }

  /** The owner's secrets by name: metadata only, never a value. */
  async list(ownerId: string): Promise<SecretMetadata[]> {
    this.requireCipher();
    return (await this.store.list(checkOwnerId(ownerId))).map(toMetadata);
  }

  /** Deletes (ownerId, name): true when it existed. Deleting a missing secret records nothing. */
  async delete(ownerId: string, name: string, ctx: ActorContext = {}): Promise<boolean> {
    this.requireCipher();
    const address = checkSecretAddress(ownerId, name);
    return this.changes.run(ctx, async (tx) => {
      const row = await this.store.find(address.ownerId, address.name, tx.manager);
      if (!row || !(await this.store.delete(tx.manager, row.id))) return false;
      tx.record({ action: 'secret.deleted', ownerId: row.ownerId, details: { name: row.name, keyId: row.keyId } });
      return true;
    });
  }

  /**
   * Moves every secret that is not on `activeKeyId` to it: decrypts each with the key its row
   * names and encrypts it again with the active key and a fresh IV, `batchSize` rows (default
   * 100) per transaction. Resumable: each row is rewritten atomically with its new key id, so a
   * run stopped anywhere leaves every row readable (on the old key or the new one) and a rerun
   * finishes the rest. A row rewritten by a concurrent `put` or removed by `delete` meanwhile is
   * left to that write. Rows it cannot decrypt are skipped and listed in `unreadable`. Run it
   * once every instance uses the new `activeKeyId`, and remove the old key only after a run
   * that re-encrypted everything.
   */
  async reencrypt(options: ReencryptOptions = {}): Promise<ReencryptResult> {
    const cipher = this.requireCipher();
    const batchSize = options.batchSize ?? DEFAULT_REENCRYPT_BATCH;
    if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > MAX_REENCRYPT_BATCH) {
      throw ApiKeyValidationError.field('batchSize', `batchSize must be an integer from 1 to ${MAX_REENCRYPT_BATCH}`);
    }
    const activeKeyId = cipher.activeKeyId;
    const unreadable: UnreadableSecret[] = [];
    let reencrypted = 0;
    let batches = 0;
    let afterId = '';
    for (;;) {
      // Not a change of any secret's value, so nothing is recorded: the audit trail and events
      // stay quiet, and the batch is a plain transaction of its own.
      const batch = await this.store.writes.transaction(async (manager) => {
        const rows = await this.store.staleBatch(manager, activeKeyId, afterId, batchSize);
        const failed: UnreadableSecret[] = [];
        let moved = 0;
        for (const row of rows) {
          let value: string;
          try {
            value = cipher.open(row.ownerId, row.name, row);
          } catch (error) {
            if (!(error instanceof SecretUnreadableError)) throw error;
            failed.push({ ownerId: row.ownerId, name: row.name, keyId: row.keyId, reason: error.reason });
            continue;
          }
          if (await this.store.replaceSeal(manager, row, cipher.seal(row.ownerId, row.name, value))) moved++;
        }
        return { size: rows.length, lastId: rows.at(-1)?.id, moved, failed };
      });
      if (batch.size === 0) break;
      batches++;
      reencrypted += batch.moved;
      unreadable.push(...batch.failed);
      afterId = batch.lastId!;
      for (const row of batch.failed) {
        this.logger.warn(`reencrypt skipped secret '${row.name}' of owner '${row.ownerId}' on key '${row.keyId}': ${row.reason}.`);
      }
      await options.onBatch?.({ reencrypted, batches });
      if (batch.size < batchSize) break;
    }
    this.logger.log(
      `reencrypt moved ${reencrypted} secret(s) to key '${activeKeyId}'` +
        (unreadable.length > 0 ? `; ${unreadable.length} unreadable secret(s) left as they were.` : '.'),
    );
    return { activeKeyId, reencrypted, unreadable };
  }

  private requireCipher(): SecretCipher {
    if (!this.cipher) throw new SecretsNotConfiguredError();
    return this.cipher;
  }
}
