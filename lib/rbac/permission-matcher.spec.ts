import { ADMIN_PERMISSION } from '../api-keys.constants.js';
import { PERMISSION_NAME_PATTERN, grantCovers, grantsCover, intersectGrants, satisfiesRequirement } from './permission-matcher.js';

describe('permission matching (SPEC §11)', () => {
  describe('grantCovers', () => {
    it('a literal grant covers exactly itself', () => {
      expect(grantCovers('billing:read', 'billing:read')).toBe(true);
      expect(grantCovers('billing:read', 'billing:write')).toBe(false);
      expect(grantCovers('billing:read', 'billing:read:all')).toBe(false);
      expect(grantCovers('billing', 'billing:read')).toBe(false);
      expect(grantCovers('billing:read', 'Billing:read')).toBe(false);
    });

    it("'billing:*' covers billing:read and billing:invoices:read at any depth", () => {
      expect(grantCovers('billing:*', 'billing:read')).toBe(true);
      expect(grantCovers('billing:*', 'billing:invoices:read')).toBe(true);
      expect(grantCovers('billing:*', 'billing:a:b:c:d')).toBe(true);
    });

    it("'billing:*' stops at segment boundaries: not billingx:read, not billing, not other namespaces", () => {
      expect(grantCovers('billing:*', 'billingx:read')).toBe(false);
      expect(grantCovers('billing:*', 'billing')).toBe(false);
      expect(grantCovers('billing:*', 'billing:')).toBe(false);
      expect(grantCovers('billing:*', 'reports:read')).toBe(false);
      expect(grantCovers('billing:*', 'xbilling:read')).toBe(false);
      expect(grantCovers('billing:*', 'Billing:read')).toBe(false);
    });

    it('a nested wildcard covers only its own subtree', () => {
      expect(grantCovers('billing:invoices:*', 'billing:invoices:read')).toBe(true);
      expect(grantCovers('billing:invoices:*', 'billing:read')).toBe(false);
      expect(grantCovers('billing:invoices:*', 'billing:invoicesx:read')).toBe(false);
    });

    it('a * that is not a whole trailing segment is literal', () => {
      expect(grantCovers('billing*', 'billing:read')).toBe(false);
      expect(grantCovers('billing*', 'billingx')).toBe(false);
      expect(grantCovers('bill:*:read', 'bill:x:read')).toBe(false);
    });

    it("'*' covers everything outside the reserved api_keys: namespace", () => {
      for (const p of ['billing:read', 'billing:invoices:read', 'reports', 'a:b:c', 'billing:*', '*']) {
        expect(grantCovers('*', p)).toBe(true);
      }
      for (const p of [ADMIN_PERMISSION, 'api_keys:admin', 'api_keys:*', 'api_keys:read', 'api_keys:keys:write']) {
        expect(grantCovers('*', p)).toBe(false);
      }
    });

    it("'api_keys:*' and the literal 'api_keys:admin' grant api_keys:admin", () => {
      expect(ADMIN_PERMISSION).toBe('api_keys:admin');
      expect(grantCovers('api_keys:*', 'api_keys:admin')).toBe(true);
      expect(grantCovers('api_keys:*', 'api_keys:keys:write')).toBe(true);
      expect(grantCovers('api_keys:admin', 'api_keys:admin')).toBe(true);
      expect(grantCovers('api_keys:admin', 'api_keys:read')).toBe(false);
      expect(grantCovers('api_keys:*', 'billing:read')).toBe(false);
    });

    it("a requirement of 'billing:*' is literal", () => {
      expect(grantCovers('billing:read', 'billing:*')).toBe(false);
      expect(grantCovers('billing:invoices:*', 'billing:*')).toBe(false);
      expect(grantCovers('billing:*', 'billing:*')).toBe(true);
    });
  });

  describe('grantsCover', () => {
    it('any grant of the set may cover the requirement', () => {
      expect(grantsCover(['reports:read', 'billing:*'], 'billing:invoices:read')).toBe(true);
      expect(grantsCover(['reports:read', 'billing:read'], 'billing:write')).toBe(false);
      expect(grantsCover([], 'billing:read')).toBe(false);
      expect(grantsCover(['*'], ADMIN_PERMISSION)).toBe(false);
      expect(grantsCover(['*', 'api_keys:*'], ADMIN_PERMISSION)).toBe(true);
    });
  });

  describe('satisfiesRequirement', () => {
    const grants = ['billing:read', 'reports:*'];

    it('a list needs every permission', () => {
      expect(satisfiesRequirement(grants, ['billing:read'])).toBe(true);
      expect(satisfiesRequirement(grants, ['billing:read', 'reports:daily'])).toBe(true);
      expect(satisfiesRequirement(grants, ['billing:read', 'billing:write'])).toBe(false);
      expect(satisfiesRequirement(grants, ['billing:write', 'billing:read'])).toBe(false);
      expect(satisfiesRequirement([], ['billing:read'])).toBe(false);
    });

    it('{ anyOf } needs at least one', () => {
      expect(satisfiesRequirement(grants, { anyOf: ['billing:write', 'reports:weekly'] })).toBe(true);
      expect(satisfiesRequirement(grants, { anyOf: ['billing:read'] })).toBe(true);
      expect(satisfiesRequirement(grants, { anyOf: ['billing:write', 'admin:all'] })).toBe(false);
      expect(satisfiesRequirement([], { anyOf: ['billing:read'] })).toBe(false);
    });

    it('wildcard requirements stay literal inside lists and anyOf', () => {
      expect(satisfiesRequirement(['billing:read'], ['billing:*'])).toBe(false);
      expect(satisfiesRequirement(['billing:read'], { anyOf: ['billing:*'] })).toBe(false);
      expect(satisfiesRequirement(['billing:*'], ['billing:*'])).toBe(true);
    });

    it('no requirement (undefined or an empty list) is satisfied by any key', () => {
      expect(satisfiesRequirement([], undefined)).toBe(true);
      expect(satisfiesRequirement(grants, undefined)).toBe(true);
      expect(satisfiesRequirement([], [])).toBe(true);
    });

    it('the reserved namespace is never opened by *', () => {
      expect(satisfiesRequirement(['*'], [ADMIN_PERMISSION])).toBe(false);
      expect(satisfiesRequirement(['*'], { anyOf: [ADMIN_PERMISSION] })).toBe(false);
      expect(satisfiesRequirement(['*'], ['billing:read', 'reports:x:y'])).toBe(true);
    });
  });

  describe('PERMISSION_NAME_PATTERN', () => {
    it.each(['billing:read', 'billing:*', 'billing:invoices:read', '*', 'api_keys:admin', 'a.b-c_d:e'])('accepts %p', (name) => {
      expect(PERMISSION_NAME_PATTERN.test(name)).toBe(true);
    });

    it.each(['', 'billing:', ':read', 'billing::read', 'bill*', 'billing:*:read', '*:read', 'billing read', 'billing:ré', '**'])(
      'rejects %p',
      (name) => {
        expect(PERMISSION_NAME_PATTERN.test(name)).toBe(false);
      },
    );
  });
});

describe('an empty anyOf', () => {
  it('is satisfied by nothing, so a misconfigured route fails closed', () => {
    expect(satisfiesRequirement(['*', 'billing:read'], { anyOf: [] })).toBe(false);
  });
});

describe('intersectGrants (what two grant sets both hold)', () => {
  it.each([
    [['billing:*'], ['billing:read'], ['billing:read']],
    [['billing:read'], ['billing:*'], ['billing:read']],
    [['billing:*'], ['billing:*'], ['billing:*']],
    [['billing:*'], ['billing:invoices:*'], ['billing:invoices:*']],
    [['*'], ['billing:read', 'reports:*'], ['billing:read', 'reports:*']],
    [['*'], ['*'], ['*']],
    [['billing:read'], ['billing:write'], []],
    [['billing:*'], ['billingx:*', 'billingx:read'], []],
    [['billing:read', 'reports:read'], [], []],
    // `*` never covers the reserved namespace, in either direction.
    [['*'], ['api_keys:admin', 'api_keys:*'], []],
    [['api_keys:admin'], ['*'], []],
    [['api_keys:*'], ['api_keys:admin'], ['api_keys:admin']],
    [
      ['billing:*', 'reports:read'],
      ['billing:read', 'billing:invoices:*', 'reports:*'],
      ['billing:invoices:*', 'billing:read', 'reports:read'],
    ],
  ])('%p ∩ %p = %p', (a, b, both) => {
    expect(intersectGrants(a, b)).toEqual(both);
    expect(intersectGrants(b, a)).toEqual(both);
  });

  it('grants exactly what both sets grant, on sample requirements', () => {
    const a = ['billing:*', 'reports:read', '*'];
    const b = ['billing:invoices:*', 'reports:*', 'api_keys:admin', 'ops:restart'];
    const both = intersectGrants(a, b);
    for (const required of [
      'billing:read',
      'billing:invoices:read',
      'reports:read',
      'reports:export',
      'api_keys:admin',
      'ops:restart',
      'x:y',
    ]) {
      expect({ required, both: grantsCover(both, required) }).toEqual({
        required,
        both: grantsCover(a, required) && grantsCover(b, required),
      });
    }
  });
});
