import { REQUIRE_PERMISSIONS_KEY } from '../api-keys.constants.js';
import { RequirePermissions } from './require-permissions.decorator.js';

class Target {
  method() {}
}

function metadataOf(decorator: MethodDecorator): unknown {
  const descriptor = Object.getOwnPropertyDescriptor(Target.prototype, 'method')!;
  decorator(Target.prototype, 'method', descriptor);
  return Reflect.getMetadata(REQUIRE_PERMISSIONS_KEY, descriptor.value);
}

describe('@RequirePermissions', () => {
  it('stores a list (all required) or { anyOf }', () => {
    expect(metadataOf(RequirePermissions('a:read', 'b:write'))).toEqual(['a:read', 'b:write']);
    expect(metadataOf(RequirePermissions({ anyOf: ['a:read', 'b:read'] }))).toEqual({ anyOf: ['a:read', 'b:read'] });
  });

  it('refuses an empty anyOf at startup instead of letting every key through', () => {
    expect(() => RequirePermissions({ anyOf: [] })).toThrow(/at least one/);
  });
});
