import { ApiKeyValidationError } from '../api-keys.errors.js';
import {
  checkDescription,
  checkPermissionList,
  checkPermissionName,
  checkRbacListQuery,
  checkRoleList,
  encodeNameCursor,
  reservedPermissionProblem,
  sameNames,
} from './rbac-input.js';

const fieldOf = (call: () => unknown): string | undefined => {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(ApiKeyValidationError);
    return (error as ApiKeyValidationError).errors[0].field;
  }
  return undefined;
};

describe('RBAC input checks', () => {
  it('keeps the reserved api_keys: namespace to its two grants', () => {
    for (const name of ['api_keys:admin', 'api_keys:*', 'billing:read', 'api_keysx:read', 'x:api_keys:read', '*']) {
      expect({ name, problem: reservedPermissionProblem(name) }).toEqual({ name, problem: null });
    }
    for (const name of ['api_keys:read', 'api_keys:admin:x', 'api_keys:keys:*', 'api_keys:Admin']) {
      expect(reservedPermissionProblem(name)).toMatch(/reserved api_keys: namespace/);
    }
    expect(fieldOf(() => checkPermissionName('name', 'api_keys:read'))).toBe('name');
    expect(fieldOf(() => checkPermissionList('permissions', ['ok:1', 'api_keys:write']))).toBe('permissions');
    expect(checkPermissionName('name', 'api_keys:admin')).toBe('api_keys:admin');
  });

  it('takes permission and role lists as required, bounded, de-duplicated and sorted', () => {
    expect(checkPermissionList('permissions', ['b:1', 'a:1', 'b:1'])).toEqual(['a:1', 'b:1']);
    expect(checkRoleList('roles', ['viewer', 'admin', 'viewer'])).toEqual(['admin', 'viewer']);
    expect(checkPermissionList('permissions', [])).toEqual([]);
    for (const bad of [undefined, null, 'a:1', [1], [['a:1']], Array.from({ length: 101 }, (_, i) => `p:${i}`), [' a:1']]) {
      expect(fieldOf(() => checkPermissionList('permissions', bad))).toBe('permissions');
      expect(fieldOf(() => checkRoleList('roles', bad))).toBe('roles');
    }
  });

  it('counts a description in code points, as the databases do, and keeps it to one line of visible text', () => {
    expect(checkDescription(undefined)).toBeNull();
    expect(checkDescription(null)).toBeNull();
    expect(checkDescription('')).toBeNull();
    expect(checkDescription('😀'.repeat(500))).toBe('😀'.repeat(500));
    expect(checkDescription('d'.repeat(500))).toBe('d'.repeat(500));
    for (const bad of ['d'.repeat(501), 'a\uFE0F'.repeat(300), 'a\nb', 'a\u0000b', 'a\u202eb', '\ud800', 42, {}, ['x']]) {
      expect(fieldOf(() => checkDescription(bad))).toBe('description');
    }
  });

  it('pages: limit 1–100 (default 100), and only cursors this API returned', () => {
    expect(checkRbacListQuery('role', undefined)).toEqual({ limit: 100 });
    expect(checkRbacListQuery('role', { limit: 1, cursor: encodeNameCursor('viewer') })).toEqual({ limit: 1, after: 'viewer' });
    for (const limit of [0, 101, 1.5, Number.NaN, '10' as unknown as number]) {
      expect(fieldOf(() => checkRbacListQuery('role', { limit }))).toBe('limit');
    }
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const cursor of ['', 'garbage', encode(['bad name']), encode(['a', 'b']), encode('viewer'), encode([42]), 'x'.repeat(2000)]) {
      expect(fieldOf(() => checkRbacListQuery('permission', { cursor }))).toBe('cursor');
    }
  });

  it('compares name lists as sets', () => {
    expect(sameNames(['a', 'b'], ['b', 'a'])).toBe(true);
    expect(sameNames(['a'], ['a', 'b'])).toBe(false);
    expect(sameNames([], [])).toBe(true);
  });
});
