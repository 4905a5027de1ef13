import type { DataSource, EntityManager } from 'typeorm';
import { WriteSerializer } from '../store/write-serializer.js';
import { ApiKeySecretEntity } from './api-key-secret.entity.js';
import type { SealedSecret } from './secret-cipher.js';

/** The columns a listing reads: never the ciphertext. */
const METADATA_COLUMNS = { id: true, ownerId: true, name: true, keyId: true, createdAt: true, updatedAt: true } as const;

/** A row's identity and seal, as `reencrypt()` reads it. @internal */
export type StoredSecretRow = Pick<ApiKeySecretEntity, 'id' | 'ownerId' | 'name' | 'keyId' | 'iv' | 'ciphertext' | 'tag'>;

/**
 * Every query of the secrets vault (`api_key_secrets`). Reads outside a transaction and every
 * write go through the DataSource's WriteSerializer, shared with the key store, so that on
 * SQLite nothing interleaves with a library transaction on the one shared connection.
 * @internal
 */
export class SecretsStore {
  readonly writes: WriteSerializer;

  constructor(readonly dataSource: DataSource) {
    this.writes = WriteSerializer.for(dataSource);
  }

  private repository(manager?: EntityManager) {
    return (manager ?? this.dataSource.manager).getRepository(ApiKeySecretEntity);
  }

  /** One secret of an owner, with its seal, or null. Inside a transaction, pass its manager. */
  find(ownerId: string, name: string, manager?: EntityManager): Promise<ApiKeySecretEntity | null> {
    const read = () => this.repository(manager).findOne({ where: { ownerId, name } });
    return manager ? read() : this.writes.write(read);
  }

  /** The secrets of an owner by name, without their seals. */
  list(ownerId: string): Promise<ApiKeySecretEntity[]> {
    return this.writes.write(() => this.repository().find({ select: METADATA_COLUMNS, where: { ownerId }, order: { name: 'ASC' } }));
  }

  /**
   * Inserts the secret, or replaces the seal of the one stored under (ownerId, name) in the same
   * statement (its id and createdAt stay): concurrent puts of one name never fail on the unique
   * index, and the last one wins whole.
   */
  async upsert(manager: EntityManager, row: ApiKeySecretEntity): Promise<void> {
    await manager
      .createQueryBuilder()
      .insert()
      .into(ApiKeySecretEntity)
      .values(row)
      .orUpdate(['key_id', 'iv', 'ciphertext', 'tag', 'updated_at'], ['owner_id', 'name'])
      .execute();
  }

  /** Deletes a row by id: whether this call deleted it. */
  async delete(manager: EntityManager, id: string): Promise<boolean> {
    const result = await manager.createQueryBuilder().delete().from(ApiKeySecretEntity).where('id = :id', { id }).execute();
    return result.affected === 1;
  }

  /**
   * Up to `limit` rows not on `activeKeyId`, in id order after `afterId`: keyset pages, so a run
   * moves past rows it could not re-encrypt instead of reading them again.
   */
  staleBatch(manager: EntityManager, activeKeyId: string, afterId: string, limit: number): Promise<StoredSecretRow[]> {
    return manager
      .createQueryBuilder(ApiKeySecretEntity, 's')
      .select(['s.id', 's.ownerId', 's.name', 's.keyId', 's.iv', 's.ciphertext', 's.tag'])
      .where('s.key_id <> :activeKeyId AND s.id > :afterId', { activeKeyId, afterId })
      .orderBy('s.id', 'ASC')
      .limit(limit)
      .getMany();
  }

  /**
   * Replaces a row's seal, only if it still holds the seal it was read with (its key id and IV:
   * every write draws a fresh IV, so the IV stamps the write). False when a concurrent put or
   * delete got there first; that write stands.
   */
  async replaceSeal(manager: EntityManager, row: StoredSecretRow, sealed: SealedSecret): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .update(ApiKeySecretEntity)
      .set({ keyId: sealed.keyId, iv: sealed.iv, ciphertext: sealed.ciphertext, tag: sealed.tag })
      .where('id = :id AND key_id = :keyId AND iv = :iv', { id: row.id, keyId: row.keyId, iv: row.iv })
      .execute();
    return result.affected === 1;
  }
}
