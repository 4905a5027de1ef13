import type { ApiKeyEntity } from '../entities/api-key.entity.js';
import { T0, keyEntity, perms, roles } from '../../test/fixtures/key-entity.js';
import { API_KEY_STATUSES } from '../interfaces/api-key.interface.js';
import { effectivePermissionsOf, statusOf, toApiKey, toPrincipal } from './api-key.view.js';

const HOUR = 60 * 60 * 1000;
const HASH = 'ab'.repeat(32);

/** A fully populated row, so that every field of the view is checked. */
function keyRow(fields: Partial<Record<keyof ApiKeyEntity, unknown>> = {}): ApiKeyEntity {
  return keyEntity({
    id: '00000000-0000-4000-8000-000000000001',
    lineageId: '00000000-0000-4000-8000-000000000001',
    name: 'ci',
    environment: 'prod',
    hash: HASH,
    meta: { team: 'ops' },
    allowedIps: ['10.0.0.0/8'],
    updatedAt: T0 + 1,
    ...fields,
  });
}

describe('api-key view', () => {
  describe('statusOf', () => {
    it('a healthy key is active', () => {
      expect(statusOf(keyRow(), T0)).toBe('active');
    });

    it('precedence: revoked > disabled > expired > rotated > idle > active', () => {
      const now = T0 + 10 * HOUR;
      const key = keyRow({
        revokedAt: T0 + HOUR,
        enabled: false,
        disabledBy: 'admin',
        expiresAt: T0 + 2 * HOUR,
        rotatedToId: '00000000-0000-4000-8000-000000000002',
        rotationGraceEndsAt: T0 + 3 * HOUR,
        maxIdleMs: HOUR,
        lastUsedAt: T0,
      });
      const seen: string[] = [];
      const fixes = [
        () => (key.revokedAt = null),
        () => ((key.enabled = true), (key.disabledBy = null)),
        () => (key.expiresAt = null),
        () => ((key.rotationGraceEndsAt = null), (key.rotatedToId = null)),
        () => (key.maxIdleMs = null),
      ];
      for (const fix of fixes) {
        seen.push(statusOf(key, now));
        fix();
      }
      seen.push(statusOf(key, now));
      expect(seen).toEqual(['revoked', 'disabled', 'expired', 'rotated', 'idle', 'active']);
      expect([...API_KEY_STATUSES].sort()).toEqual([...seen].sort());
    });

    it('expired exactly at expiresAt, not 1 ms before', () => {
      const key = keyRow({ expiresAt: T0 + HOUR });
      expect(statusOf(key, T0 + HOUR - 1)).toBe('active');
      expect(statusOf(key, T0 + HOUR)).toBe('expired');
    });

    it('idle after more than maxIdleMs since the last use, or since creation; pending uses count', () => {
      const used = keyRow({ maxIdleMs: HOUR, lastUsedAt: T0 + HOUR });
      expect(statusOf(used, T0 + 2 * HOUR)).toBe('active');
      expect(statusOf(used, T0 + 2 * HOUR + 1)).toBe('idle');
      expect(statusOf(used, T0 + 2 * HOUR + 1, T0 + HOUR + 1)).toBe('active');
      expect(statusOf(used, T0 + 2 * HOUR + 1, T0)).toBe('idle');
      const unused = keyRow({ maxIdleMs: HOUR, createdAt: T0 });
      expect(statusOf(unused, T0 + HOUR)).toBe('active');
      expect(statusOf(unused, T0 + HOUR + 1)).toBe('idle');
    });
  });

  describe('toApiKey', () => {
    const key = keyRow({
      expiresAt: T0 + 5 * HOUR,
      lastUsedAt: T0 + HOUR,
      maxIdleMs: 2 * HOUR,
      rotatedFromId: '00000000-0000-4000-8000-000000000009',
      permissionGrants: perms('reports:read', 'billing:read'),
      roleGrants: roles(['support', ['tickets:read']], ['auditor', []]),
    });

    it('never carries the hash, under any name', () => {
      const view = toApiKey(key, T0 + 2 * HOUR);
      expect(view).not.toHaveProperty('hash');
      expect(Object.keys(view)).not.toContain('hash');
      const json = JSON.stringify(view);
      expect(json).not.toContain(HASH);
      expect(json).not.toMatch(/"hash"/);
      // ...even for a revoked, rotated, disabled key.
      const other = toApiKey(keyRow({ revokedAt: T0, enabled: false, rotationGraceEndsAt: T0 }), T0);
      expect(other).not.toHaveProperty('hash');
      expect(JSON.stringify(other)).not.toContain(HASH);
    });

    it('exposes times as Date objects (null when unset)', () => {
      const view = toApiKey(key, T0 + 2 * HOUR);
      expect(view.createdAt).toBeInstanceOf(Date);
      expect(view.createdAt.getTime()).toBe(T0);
      expect(view.updatedAt).toBeInstanceOf(Date);
      expect(view.updatedAt.getTime()).toBe(T0 + 1);
      expect(view.expiresAt).toBeInstanceOf(Date);
      expect(view.expiresAt!.getTime()).toBe(T0 + 5 * HOUR);
      expect(view.lastUsedAt).toBeInstanceOf(Date);
      expect(view.lastUsedAt!.getTime()).toBe(T0 + HOUR);
      expect(view.revokedAt).toBeNull();
      expect(view.rotationGraceEndsAt).toBeNull();

      const revoked = toApiKey(keyRow({ revokedAt: T0 + 7, rotationGraceEndsAt: T0 + 8 }), T0 + 9);
      expect(revoked.revokedAt).toEqual(new Date(T0 + 7));
      expect(revoked.rotationGraceEndsAt).toEqual(new Date(T0 + 8));
      expect(revoked.lastUsedAt).toBeNull();
      expect(revoked.expiresAt).toBeNull();
    });

    it('maps the other fields: direct permissions and role names sorted, status, ids', () => {
      const view = toApiKey(key, T0 + 2 * HOUR);
      expect(view).toEqual({
        id: key.id,
        lineageId: key.lineageId,
        ownerId: 'owner-1',
        name: 'ci',
        namespace: 'default',
        environment: 'prod',
        start: 'sk_abcd',
        last4: 'wxyz',
        hashVersion: 'sha256',
        meta: { team: 'ops' },
        permissions: ['billing:read', 'reports:read'],
        roles: ['auditor', 'support'],
        allowedIps: ['10.0.0.0/8'],
        enabled: true,
        disabledBy: null,
        status: 'active',
        createdAt: new Date(T0),
        updatedAt: new Date(T0 + 1),
        expiresAt: new Date(T0 + 5 * HOUR),
        maxIdleMs: 2 * HOUR,
        lastUsedAt: new Date(T0 + HOUR),
        revokedAt: null,
        rotatedFromId: '00000000-0000-4000-8000-000000000009',
        rotatedToId: null,
        rotationGraceEndsAt: null,
        parentKeyId: null,
        remaining: null,
        refill: null,
        rateLimits: [],
      });
      expect(toApiKey(key, T0 + 3 * HOUR + 1).status).toBe('idle');
    });

    it('lastUsedAt is the later of the stored and the pending use', () => {
      expect(toApiKey(key, T0 + 2 * HOUR, T0 + HOUR + 5).lastUsedAt).toEqual(new Date(T0 + HOUR + 5));
      expect(toApiKey(key, T0 + 2 * HOUR, T0).lastUsedAt).toEqual(new Date(T0 + HOUR));
      expect(toApiKey(keyRow(), T0, T0 + 3).lastUsedAt).toEqual(new Date(T0 + 3));
      // The pending use also keeps the status from going idle.
      expect(toApiKey(key, T0 + 3 * HOUR + 1, T0 + 2 * HOUR).status).toBe('active');
    });
  });

  describe('principal and effective permissions', () => {
    it('effective permissions are direct ∪ roles’, deduplicated and sorted', () => {
      const key = keyRow({
        permissionGrants: perms('reports:read', 'billing:read'),
        roleGrants: roles(['support', ['tickets:read', 'billing:read']], ['auditor', ['audit:read']]),
      });
      expect(effectivePermissionsOf(key)).toEqual(['audit:read', 'billing:read', 'reports:read', 'tickets:read']);
    });

    it('the principal has no hash and carries the effective row’s identity and dates', () => {
      const presented = keyRow({ id: '00000000-0000-4000-8000-00000000000a' });
      const effective = keyRow({
        id: '00000000-0000-4000-8000-00000000000b',
        expiresAt: T0 + HOUR,
        roleGrants: roles(['b', []], ['a', []]),
      });
      const principal = toPrincipal(presented, effective, ['x:y']);
      expect(principal).toEqual({
        id: presented.id,
        lineageId: effective.lineageId,
        ownerId: 'owner-1',
        namespace: 'default',
        environment: 'prod',
        name: 'ci',
        permissions: ['x:y'],
        roles: ['a', 'b'],
        meta: { team: 'ops' },
        expiresAt: new Date(T0 + HOUR),
      });
      expect(JSON.stringify(principal)).not.toContain(HASH);
    });
  });
});
