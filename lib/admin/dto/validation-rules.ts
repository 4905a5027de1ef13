import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsInt,
  IsISO8601,
  IsString,
  Max,
  MaxLength,
  Min,
  registerDecorator,
  type ValidationOptions,
} from 'class-validator';
import { MAX_GRANTS } from '../../keys/api-key-input.js';
import { identifierProblem, type IdentifierKind } from '../../keys/identifiers.js';
import { descriptionProblem, reservedPermissionProblem } from '../../rbac/rbac-input.js';
import { isValidIpRule } from '../../verification/ip-allow-list.js';

export { MAX_GRANTS };

/**
 * An identifier of SPEC §11 (owner id, namespace, environment, permission, role or limit
 * name): the rule of `identifiers.ts`, with its reason as the field message. @internal
 */
export function IsIdentifier(kind: IdentifierKind, options?: ValidationOptions): PropertyDecorator {
  return (target, property) =>
    registerDecorator({
      name: 'isIdentifier',
      target: target.constructor,
      propertyName: property as string,
      constraints: [kind],
      options: {
        message: (args) => `${args.property}${options?.each ? ' entries' : ''} ${identifierProblem(kind, args.value) ?? 'must be valid'}`,
        ...options,
      },
      validator: { validate: (value: unknown) => identifierProblem(kind, value) === null },
    });
}

/** An array of at most 100 permission (or role) names. @internal */
export function IsGrantList(kind: 'permission' | 'role' = 'permission'): PropertyDecorator {
  return (target, property) => {
    IsArray()(target, property);
    ArrayMaxSize(MAX_GRANTS)(target, property);
    IsIdentifier(kind, { each: true })(target, property);
  };
}

/** An IP address or CIDR block. @internal */
export function IsIpRule(options?: ValidationOptions): PropertyDecorator {
  return (target, property) =>
    registerDecorator({
      name: 'isIpRule',
      target: target.constructor,
      propertyName: property as string,
      options: { message: `${String(property)} must hold IP addresses or CIDR blocks`, ...options },
      validator: { validate: (value: unknown) => typeof value === 'string' && isValidIpRule(value) },
    });
}

/**
 * A permission name outside the reserved `api_keys:` namespace, but for `api_keys:admin` and
 * `api_keys:*` (the RBAC routes). Non-strings are left to `@IsIdentifier`. @internal
 */
export function IsUnreservedPermission(options?: ValidationOptions): PropertyDecorator {
  return (target, property) =>
    registerDecorator({
      name: 'isUnreservedPermission',
      target: target.constructor,
      propertyName: property as string,
      options: {
        message: (args) =>
          `${args.property}${options?.each ? ' entries' : ''} ${reservedPermissionProblem(String(args.value)) ?? 'must be valid'}`,
        ...options,
      },
      validator: { validate: (value: unknown) => typeof value !== 'string' || reservedPermissionProblem(value) === null },
    });
}

/** One line of display text of at most 500 characters (code points, as the databases count). @internal */
export function IsDescription(options?: ValidationOptions): PropertyDecorator {
  return (target, property) =>
    registerDecorator({
      name: 'isDescription',
      target: target.constructor,
      propertyName: property as string,
      options: { message: (args) => `${args.property} ${descriptionProblem(args.value) ?? 'must be valid'}`, ...options },
      validator: { validate: (value: unknown) => descriptionProblem(value) === null },
    });
}

/** A time bound of a list query (`since`, `until`): a strict ISO 8601 string. @internal */
export function IsQueryTime(): PropertyDecorator {
  return (target, property) => {
    IsISO8601({ strict: true })(target, property);
    MaxLength(40)(target, property);
    IsString()(target, property);
  };
}

/** A page size of a list query: an integer from 1 to 100 (query strings arrive as text). @internal */
export function IsPageLimit(): PropertyDecorator {
  return (target, property) => {
    Max(100)(target, property);
    Min(1)(target, property);
    IsInt()(target, property);
    Type(() => Number)(target, property);
  };
}

/** The opaque `cursor` of a list query, as a page answered it. @internal */
export function IsCursor(): PropertyDecorator {
  return (target, property) => {
    MaxLength(200)(target, property);
    IsString()(target, property);
  };
}
