import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { ApiKeyEntity, ApiKeyOwnerEntity } from '../../lib/index.js';
import { KeyFormat } from '../../lib/keys/key-format.js';
import { sha256Hex } from '../../lib/keys/key-hasher.js';

/** A key stored by insertKeys: the raw value, as a client would send it, and its row id. */
export interface InsertedKey {
  key: string;
  id: string;
  ownerId: string;
}

/**
 * Stores many plain keys (default format, no pepper, no grants, no credits) in a few
 * multi-row INSERTs, straight through the entities, with the owners' `active_keys` counts that
 * the service would have kept: for suites whose subject is what happens to keys once they
 * exist (revoke, audit, cache), not how they are created. The service would take one
 * transaction per key; 1,000 of those are most of such a suite's time on a networked
 * database. No transaction: TypeORM's better-sqlite3 driver shares one connection with the
 * app, so this must run while the app is idle. Answers the keys in the order given.
 */
export async function insertKeys(
  dataSource: DataSource,
  specs: ReadonlyArray<{ ownerId: string; name?: string }>,
  options: { now?: number; format?: KeyFormat } = {},
): Promise<InsertedKey[]> {
  const now = options.now ?? Date.now();
  const format = options.format ?? new KeyFormat('sk', 32);
  const keys = specs.map(({ ownerId }) => ({ key: format.generate(), id: randomUUID(), ownerId }));
  const perOwner = new Map<string, number>();
  for (const { ownerId } of specs) perOwner.set(ownerId, (perOwner.get(ownerId) ?? 0) + 1);
  {
    const manager = dataSource.manager;
    const owners = manager.getRepository(ApiKeyOwnerEntity);
    for (const [ownerId, count] of perOwner) {
      const existing = await owners.findOneBy({ ownerId });
      if (existing) await owners.update({ ownerId }, { activeKeys: existing.activeKeys + count });
      else await owners.insert({ ownerId, activeKeys: count, rateLimits: null });
    }
    for (let i = 0; i < keys.length; i += 250) {
      const rows = keys.slice(i, i + 250).map(({ key, id, ownerId }, j) =>
        Object.assign(new ApiKeyEntity(), {
          id,
          lineageId: id,
          ownerId,
          name: specs[i + j].name ?? null,
          namespace: 'default',
          environment: null,
          start: key.slice(0, 7),
          last4: key.slice(-4),
          hash: sha256Hex(key),
          hashVersion: 'sha256',
          meta: {},
          allowedIps: [],
          enabled: true,
          disabledBy: null,
          createdAt: now,
          updatedAt: now,
          revokedAt: null,
        }),
      );
      await manager.getRepository(ApiKeyEntity).insert(rows as object[]);
    }
  }
  return keys;
}
