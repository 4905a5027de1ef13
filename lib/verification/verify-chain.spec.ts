import type { ApiKeyEntity } from '../entities/api-key.entity.js';
import { T0, keyEntity, perms, roles } from '../../test/fixtures/key-entity.js';
import { effectivePermissionsOf, roleNamesOf } from '../keys/api-key.view.js';
import type { VerifyOptions } from '../interfaces/verify-result.interface.js';
import { KEY_CHECKS, runKeyChecks, type VerifySubject } from './verify-chain.js';
import { VERIFY_CODES } from '../interfaces/verify-code.interface.js';
import { VERIFY_MESSAGES } from './verify-codes.js';

const HOUR = 60 * 60 * 1000;
const keyRow = keyEntity;

/** A subject built the way ApiKeyService.verify builds it: effective row's permissions and roles. */
function subject(lineage: ApiKeyEntity[], now: number, pending: Record<string, number> = {}): VerifySubject {
  const effective = lineage[lineage.length - 1];
  return {
    lineage,
    permissions: effectivePermissionsOf(effective),
    roles: roleNamesOf(effective),
    now,
    pendingLastUsedAt: (id) => pending[id],
  };
}

const check = (key: ApiKeyEntity | ApiKeyEntity[], now: number, options: VerifyOptions = {}, pending?: Record<string, number>) =>
  runKeyChecks(subject(Array.isArray(key) ? key : [key], now, pending), options);

/** An old key rotated to a successor with a grace period ending at `graceEndsAt`. */
function rotated(graceEndsAt: number, oldFields = {}, successorFields = {}): [ApiKeyEntity, ApiKeyEntity] {
  const old = keyRow(oldFields);
  const successor = keyRow({ lineageId: old.lineageId, rotatedFromId: old.id, ...successorFields });
  old.rotatedToId = successor.id;
  old.rotationGraceEndsAt = graceEndsAt;
  return [old, successor];
}

describe('verify chain', () => {
  it('KEY_CHECKS run the stored-key codes in VERIFY_CODES order (SPEC §6)', () => {
    expect([...VERIFY_CODES]).toEqual([
      'MALFORMED',
      'NOT_FOUND',
      'IP_NOT_ALLOWED',
      'REVOKED',
      'DISABLED',
      'EXPIRED',
      'ROTATION_GRACE_EXPIRED',
      'IDLE_TIMEOUT',
      'INSUFFICIENT_PERMISSIONS',
      'RATE_LIMITED',
      'USAGE_EXCEEDED',
      'VALID',
    ]);
    const codes = KEY_CHECKS.map((c) => c.code);
    const from = VERIFY_CODES.indexOf('IP_NOT_ALLOWED');
    expect(codes).toEqual(VERIFY_CODES.slice(from, from + codes.length));
    expect(codes[codes.length - 1]).toBe('INSUFFICIENT_PERMISSIONS');
    for (const code of VERIFY_CODES) expect(VERIFY_MESSAGES[code]).toEqual(expect.any(String));
  });

  it('a healthy key passes every check', () => {
    expect(check(keyRow(), T0)).toBeNull();
    expect(check(keyRow({ permissionGrants: perms('billing:read') }), T0, { permissions: ['billing:read'], ip: '203.0.113.9' })).toBeNull();
  });

  describe('IP_NOT_ALLOWED', () => {
    const key = keyRow({ allowedIps: ['10.0.0.0/8', '2001:db8::/32', '198.51.100.7'] });

    it('allows addresses inside the CIDR blocks and exact addresses', () => {
      expect(check(key, T0, { ip: '10.1.2.3' })).toBeNull();
      expect(check(key, T0, { ip: '10.255.255.255' })).toBeNull();
      expect(check(key, T0, { ip: '2001:db8:1::5' })).toBeNull();
      expect(check(key, T0, { ip: '198.51.100.7' })).toBeNull();
    });

    it('allows an IPv4-mapped IPv6 client inside an IPv4 block', () => {
      expect(check(key, T0, { ip: '::ffff:10.1.2.3' })).toBeNull();
      expect(check(key, T0, { ip: '::ffff:11.1.2.3' })).toBe('IP_NOT_ALLOWED');
    });

    it('denies addresses outside the rules', () => {
      expect(check(key, T0, { ip: '11.0.0.1' })).toBe('IP_NOT_ALLOWED');
      expect(check(key, T0, { ip: '198.51.100.8' })).toBe('IP_NOT_ALLOWED');
      expect(check(key, T0, { ip: '2001:db9::1' })).toBe('IP_NOT_ALLOWED');
    });

    it('denies when rules exist but the client ip is unknown or garbage (fails closed)', () => {
      expect(check(key, T0, {})).toBe('IP_NOT_ALLOWED');
      expect(check(key, T0, { ip: '' })).toBe('IP_NOT_ALLOWED');
      expect(check(key, T0, { ip: 'not-an-ip' })).toBe('IP_NOT_ALLOWED');
    });

    it('without rules any client, even an unknown one, passes', () => {
      expect(check(keyRow({ allowedIps: [] }), T0, {})).toBeNull();
      expect(check(keyRow({ allowedIps: [] }), T0, { ip: '8.8.8.8' })).toBeNull();
    });

    it("during a rotation grace the successor's rules apply", () => {
      const [old, successor] = rotated(T0 + HOUR, { allowedIps: [] }, { allowedIps: ['10.0.0.0/8'] });
      expect(check([old, successor], T0, { ip: '11.0.0.1' })).toBe('IP_NOT_ALLOWED');
      expect(check([old, successor], T0, { ip: '10.0.0.1' })).toBeNull();
    });
  });

  describe('REVOKED', () => {
    it('a revoked key is REVOKED', () => {
      expect(check(keyRow({ revokedAt: T0 - 1 }), T0)).toBe('REVOKED');
      expect(check(keyRow({ revokedAt: 0 }), T0)).toBe('REVOKED');
    });
  });

  describe('DISABLED', () => {
    it('a disabled key is DISABLED', () => {
      expect(check(keyRow({ enabled: false, disabledBy: 'admin' }), T0)).toBe('DISABLED');
      expect(check(keyRow({ enabled: false, disabledBy: 'owner' }), T0)).toBe('DISABLED');
    });
  });

  describe('EXPIRED', () => {
    const key = keyRow({ expiresAt: T0 + HOUR });

    it('is expired exactly at expiresAt and after, not 1 ms before', () => {
      expect(check(key, T0 + HOUR - 1)).toBeNull();
      expect(check(key, T0 + HOUR)).toBe('EXPIRED');
      expect(check(key, T0 + HOUR + 1)).toBe('EXPIRED');
    });
  });

  describe('ROTATION_GRACE_EXPIRED', () => {
    const graceEndsAt = T0 + HOUR;

    it('the old key works until 1 ms before graceEndsAt and fails at it', () => {
      const lineage = rotated(graceEndsAt);
      expect(check(lineage, graceEndsAt - 1)).toBeNull();
      expect(check(lineage, graceEndsAt)).toBe('ROTATION_GRACE_EXPIRED');
      expect(check(lineage, graceEndsAt + 1)).toBe('ROTATION_GRACE_EXPIRED');
      // The successor alone is unaffected.
      expect(check([lineage[1]], graceEndsAt + 1)).toBeNull();
    });

    it('revoking the successor ends the grace with REVOKED', () => {
      const lineage = rotated(graceEndsAt, {}, { revokedAt: T0 });
      expect(check(lineage, graceEndsAt - 1)).toBe('REVOKED');
    });

    it('disabling the successor ends the grace with DISABLED', () => {
      const lineage = rotated(graceEndsAt, {}, { enabled: false, disabledBy: 'owner' });
      expect(check(lineage, graceEndsAt - 1)).toBe('DISABLED');
    });

    it('an expired successor makes the old key EXPIRED too', () => {
      const lineage = rotated(graceEndsAt, {}, { expiresAt: T0 + 10 });
      expect(check(lineage, T0 + 10)).toBe('EXPIRED');
    });

    it("the successor's permissions apply during the grace", () => {
      const lineage = rotated(graceEndsAt, { permissionGrants: perms('billing:*') }, { permissionGrants: perms('billing:read') });
      expect(check(lineage, T0, { permissions: ['billing:read'] })).toBeNull();
      expect(check(lineage, T0, { permissions: ['billing:write'] })).toBe('INSUFFICIENT_PERMISSIONS');
    });

    it('a twice-rotated key fails when any grace in its lineage has ended', () => {
      const [first, second] = rotated(T0 + HOUR);
      const third = keyRow({ lineageId: first.lineageId, rotatedFromId: second.id });
      second.rotatedToId = third.id;
      second.rotationGraceEndsAt = T0 + 2 * HOUR;
      expect(check([first, second, third], T0 + HOUR - 1)).toBeNull();
      expect(check([first, second, third], T0 + HOUR)).toBe('ROTATION_GRACE_EXPIRED');
      expect(check([second, third], T0 + HOUR)).toBeNull();
    });
  });

  describe('IDLE_TIMEOUT', () => {
    const maxIdleMs = 10 * 60 * 1000;
    const lastUsedAt = T0 + HOUR;

    it('fails when now − lastUsedAt > maxIdleMs; exactly maxIdleMs is fine', () => {
      const key = keyRow({ maxIdleMs, lastUsedAt });
      expect(check(key, lastUsedAt + maxIdleMs)).toBeNull();
      expect(check(key, lastUsedAt + maxIdleMs + 1)).toBe('IDLE_TIMEOUT');
    });

    it('a later use this instance has not written yet keeps the key alive', () => {
      const key = keyRow({ maxIdleMs, lastUsedAt });
      const now = lastUsedAt + maxIdleMs + 1;
      expect(check(key, now, {}, { [key.id]: lastUsedAt + 1 })).toBeNull();
      // An older pending value does not override the stored one.
      expect(check(key, now, {}, { [key.id]: lastUsedAt - 1 })).toBe('IDLE_TIMEOUT');
      // A pending use of another key does not count.
      expect(check(key, now, {}, { 'some-other-key': now })).toBe('IDLE_TIMEOUT');
    });

    it('a never-used key counts from createdAt', () => {
      const key = keyRow({ maxIdleMs, createdAt: T0, lastUsedAt: null });
      expect(check(key, T0 + maxIdleMs)).toBeNull();
      expect(check(key, T0 + maxIdleMs + 1)).toBe('IDLE_TIMEOUT');
      expect(check(key, T0 + maxIdleMs + 1, {}, { [key.id]: T0 + 5 })).toBeNull();
    });

    it('a key without maxIdleMs never idles', () => {
      expect(check(keyRow({ maxIdleMs: null, lastUsedAt: T0 }), T0 + 10_000 * HOUR)).toBeNull();
    });
  });

  describe('INSUFFICIENT_PERMISSIONS', () => {
    const key = keyRow({
      permissionGrants: perms('billing:read', 'reports:*'),
      roleGrants: roles(['support', ['tickets:read']], 'auditor'),
    });

    it('a list needs all of its permissions, from direct grants, wildcards or roles', () => {
      expect(check(key, T0, { permissions: ['billing:read'] })).toBeNull();
      expect(check(key, T0, { permissions: ['billing:read', 'reports:daily:read', 'tickets:read'] })).toBeNull();
      expect(check(key, T0, { permissions: ['billing:read', 'billing:write'] })).toBe('INSUFFICIENT_PERMISSIONS');
      expect(check(key, T0, { permissions: ['tickets:write'] })).toBe('INSUFFICIENT_PERMISSIONS');
    });

    it('{ anyOf } needs one of them', () => {
      expect(check(key, T0, { permissions: { anyOf: ['billing:write', 'tickets:read'] } })).toBeNull();
      expect(check(key, T0, { permissions: { anyOf: ['billing:write', 'admin:all'] } })).toBe('INSUFFICIENT_PERMISSIONS');
    });

    it('required roles must all be held', () => {
      expect(check(key, T0, { roles: ['support'] })).toBeNull();
      expect(check(key, T0, { roles: ['support', 'auditor'] })).toBeNull();
      expect(check(key, T0, { roles: ['support', 'admin'] })).toBe('INSUFFICIENT_PERMISSIONS');
      expect(check(keyRow(), T0, { roles: ['support'] })).toBe('INSUFFICIENT_PERMISSIONS');
    });

    it('a key without grants fails any requirement and passes none', () => {
      expect(check(keyRow(), T0, { permissions: ['billing:read'] })).toBe('INSUFFICIENT_PERMISSIONS');
      expect(check(keyRow(), T0, {})).toBeNull();
    });
  });

  describe('precedence', () => {
    it('revoked and expired → REVOKED', () => {
      expect(check(keyRow({ revokedAt: T0, expiresAt: T0 }), T0 + 1)).toBe('REVOKED');
    });

    it('IP denied and revoked → IP_NOT_ALLOWED (a leaked key learns nothing off-network)', () => {
      expect(check(keyRow({ revokedAt: T0, allowedIps: ['10.0.0.0/8'] }), T0, { ip: '11.0.0.1' })).toBe('IP_NOT_ALLOWED');
    });

    it('a key failing every check reports each code in SPEC order as the earlier ones are fixed', () => {
      const graceEndsAt = T0 + HOUR;
      const now = graceEndsAt + HOUR;
      const [old, successor] = rotated(
        graceEndsAt,
        {},
        {
          allowedIps: ['10.0.0.0/8'],
          revokedAt: T0,
          enabled: false,
          disabledBy: 'admin',
          expiresAt: T0 + 1,
          maxIdleMs: 1000,
          lastUsedAt: T0,
          permissionGrants: perms('billing:read'),
        },
      );
      const options: VerifyOptions = { ip: '11.0.0.1', permissions: ['billing:write'] };
      const fixes: Array<() => void> = [
        () => (successor.allowedIps = []),
        () => (successor.revokedAt = null),
        () => ((successor.enabled = true), (successor.disabledBy = null)),
        () => (successor.expiresAt = null),
        () => (old.rotationGraceEndsAt = now + 1),
        () => (successor.maxIdleMs = null),
        () => (successor.permissionGrants = perms('billing:*')),
      ];
      const seen: Array<string | null> = [];
      for (const fix of fixes) {
        seen.push(check([old, successor], now, options));
        fix();
      }
      seen.push(check([old, successor], now, options));
      expect(seen).toEqual([...KEY_CHECKS.map((c) => c.code), null]);
    });
  });

  describe('a child key and its parent (SPEC §6)', () => {
    /** The subject of a child: its own lineage, its parent, and the grants both hold (as the verifier computes them). */
    const childCheck = (
      child: ApiKeyEntity,
      parent: ApiKeyEntity,
      now: number,
      options: VerifyOptions = {},
      pending: Record<string, number> = {},
    ) =>
      runKeyChecks(
        {
          lineage: [child],
          parent,
          permissions: effectivePermissionsOf(child).filter((p) => effectivePermissionsOf(parent).includes(p)),
          roles: roleNamesOf(child).filter((r) => roleNamesOf(parent).includes(r)),
          now,
          pendingLastUsedAt: (id) => pending[id],
        },
        options,
      );
    const pair = (parentFields = {}, childFields = {}) => {
      const parent = keyRow(parentFields);
      return { parent, child: keyRow({ parentKeyId: parent.id, ...childFields }) };
    };

    it('a healthy child of a healthy parent passes', () => {
      const { parent, child } = pair();
      expect(childCheck(child, parent, T0)).toBeNull();
    });

    it('fails with its parent’s code whenever the parent would fail', () => {
      const cases: Array<[object, string]> = [
        [{ revokedAt: T0 }, 'REVOKED'],
        [{ enabled: false, disabledBy: 'admin' }, 'DISABLED'],
        [{ expiresAt: T0 }, 'EXPIRED'],
        [{ maxIdleMs: HOUR, createdAt: T0 - 2 * HOUR }, 'IDLE_TIMEOUT'],
        [{ allowedIps: ['10.0.0.0/8'] }, 'IP_NOT_ALLOWED'],
      ];
      for (const [parentFields, code] of cases) {
        const { parent, child } = pair(parentFields);
        expect({ parentFields, code: childCheck(child, parent, T0, { ip: '192.0.2.1' }) }).toEqual({ parentFields, code });
      }
    });

    it('a rotated parent ends its children at once, inside the parent’s grace too', () => {
      const { parent, child } = pair({ rotatedToId: '00000000-0000-4000-8000-ffffffffffff', rotationGraceEndsAt: T0 + HOUR });
      expect(check(parent, T0)).toBeNull(); // the parent itself still works
      expect(childCheck(child, parent, T0)).toBe('ROTATION_GRACE_EXPIRED');
    });

    it('a child’s uses do not keep its parent alive; the parent’s own pending use does', () => {
      const { parent, child } = pair({ maxIdleMs: HOUR, createdAt: T0 - 2 * HOUR });
      expect(childCheck(child, parent, T0, {}, { [child.id]: T0 - 1 })).toBe('IDLE_TIMEOUT');
      expect(childCheck(child, parent, T0, {}, { [parent.id]: T0 - 1 })).toBeNull();
    });

    it('IP comes first: a revoked parent seen from outside its allow-list answers IP_NOT_ALLOWED', () => {
      const { parent, child } = pair({ allowedIps: ['10.0.0.0/8'], revokedAt: T0 });
      expect(childCheck(child, parent, T0, { ip: '192.0.2.1' })).toBe('IP_NOT_ALLOWED');
      expect(childCheck(child, parent, T0, { ip: '10.0.0.1' })).toBe('REVOKED');
    });

    it('permissions and roles are only those both hold', () => {
      const { parent, child } = pair(
        { permissionGrants: perms('billing:read'), roleGrants: roles('viewer') },
        { permissionGrants: perms('billing:read', 'billing:write'), roleGrants: roles('viewer', 'admin') },
      );
      expect(childCheck(child, parent, T0, { permissions: ['billing:read'], roles: ['viewer'] })).toBeNull();
      expect(childCheck(child, parent, T0, { permissions: ['billing:write'] })).toBe('INSUFFICIENT_PERMISSIONS');
      expect(childCheck(child, parent, T0, { roles: ['admin'] })).toBe('INSUFFICIENT_PERMISSIONS');
    });
  });
});
