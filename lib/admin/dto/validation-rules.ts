import { ArrayMaxSize, IsArray, IsString, Matches, MaxLength, registerDecorator, type ValidationOptions } from 'class-validator';
import { MAX_PERMISSION_NAME_LENGTH } from '../../keys/api-key-input.js';
import { PERMISSION_NAME_PATTERN } from '../../rbac/permission-matcher.js';
import { isValidIpRule } from '../../verification/ip-allow-list.js';

/** Bounds shared by the admin DTOs. @internal */
export const MAX_GRANTS = 100;
export { LABEL_PATTERN } from '../../keys/api-key-input.js';

/** An array of at most 100 permission (or role) names. @internal */
export function IsGrantList(maxLength = MAX_PERMISSION_NAME_LENGTH): PropertyDecorator {
  return (target, property) => {
    IsArray()(target, property);
    ArrayMaxSize(MAX_GRANTS)(target, property);
    IsString({ each: true })(target, property);
    MaxLength(maxLength, { each: true })(target, property);
    Matches(PERMISSION_NAME_PATTERN, { each: true, message: `${String(property)} must hold names like 'billing:read'` })(target, property);
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
