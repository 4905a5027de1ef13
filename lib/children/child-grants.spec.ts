import { keyEntity, perms, roles } from '../../test/fixtures/key-entity.js';
import { ApiKeyValidationError, ForbiddenGrantError } from '../api-keys.errors.js';
import { checkChildWithin, childGrantsOf, type ChildGrants } from './child-grants.js';

const parent = keyEntity({
  ownerId: 'acme',
  permissionGrants: perms('billing:read', 'reports:*'),
  roleGrants: roles(['viewer', ['docs:read']]),
  allowedIps: ['10.0.0.0/8'],
  expiresAt: 1_000,
});
const within: ChildGrants = {
  ownerId: 'acme',
  namespace: 'default',
  environment: null,
  permissions: ['billing:read', 'reports:export', 'docs:read'],
  roles: ['viewer'],
  allowedIps: ['10.1.0.0/16'],
  expiresAt: 1_000,
  remaining: null,
  refillInterval: null,
  rateLimits: null,
};

describe('checkChildWithin', () => {
  it('passes a child that only narrows its parent', () => {
    expect(() => checkChildWithin(within, parent)).not.toThrow();
    expect(() => checkChildWithin({ ...within, permissions: [], roles: [], rateLimits: [] }, parent)).not.toThrow();
  });

  it.each<[Partial<ChildGrants>, typeof ForbiddenGrantError | typeof ApiKeyValidationError]>([
    [{ permissions: ['billing:*'] }, ForbiddenGrantError],
    [{ permissions: ['docs:*'] }, ForbiddenGrantError],
    [{ roles: ['admin'] }, ForbiddenGrantError],
    [{ allowedIps: [] }, ForbiddenGrantError],
    [{ allowedIps: ['::ffff:11.0.0.1'] }, ForbiddenGrantError],
    [{ expiresAt: null }, ForbiddenGrantError],
    [{ expiresAt: 1_001 }, ForbiddenGrantError],
    [{ ownerId: 'globex' }, ForbiddenGrantError],
    [{ namespace: 'other' }, ForbiddenGrantError],
    [{ environment: 'live' }, ForbiddenGrantError],
    [{ remaining: 0 }, ApiKeyValidationError],
    [{ refillInterval: 'daily' }, ApiKeyValidationError],
    [{ rateLimits: [{ name: 'x', limit: 1, windowMs: 1 }] }, ApiKeyValidationError],
  ])('refuses %p', (change, error) => {
    expect(() => checkChildWithin({ ...within, ...change }, parent)).toThrow(error);
  });

  it('checks only the fields it is given (an update checks what it changed)', () => {
    const wide = { ...within, permissions: ['*'], allowedIps: [] };
    expect(() => checkChildWithin(wide, parent, ['roles', 'expiresAt'])).not.toThrow();
    expect(() => checkChildWithin(wide, parent, ['permissions'])).toThrow(ForbiddenGrantError);
    expect(() => checkChildWithin(wide, parent, ['allowedIps'])).toThrow(ForbiddenGrantError);
  });

  it('reads a stored child’s direct grants, not those its roles carry', () => {
    const child = keyEntity({ permissionGrants: perms('billing:read'), roleGrants: roles(['viewer', ['docs:read']]) });
    expect(childGrantsOf(child)).toMatchObject({ permissions: ['billing:read'], roles: ['viewer'] });
  });
});
