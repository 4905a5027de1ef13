import { plainToInstance } from 'class-transformer';
import { getMetadataStorage } from 'class-validator';
import { identifierShape, MAX_IDENTIFIER_LENGTH } from '../keys/identifiers.js';
import { MAX_DESCRIPTION_LENGTH, RESERVED_GRANTS } from '../rbac/rbac-input.js';
import type { OpenApiSchema } from './openapi-schema.js';

/** A string that neither starts nor ends with whitespace (the identifiers without a shape of their own). */
const EDGES_NOT_BLANK = /^\S(?:.*\S)?$/;

/** One property of a DTO as its validators describe it. @internal */
export interface DtoProperty {
  name: string;
  /** False when `@IsOptional()` (or `@ValidateIf`) lets the value be left out. */
  required: boolean;
  /** The property's schema; with `each: true` validators, their rules sit in `items`. */
  schema: OpenApiSchema;
  /** A `@ValidateNested()` property: the DTO class class-transformer builds for it. */
  nested?: { type: Function; isArray: boolean };
}

/** What a DTO's validators say, and the validators that say nothing a schema can hold. @internal */
export interface DtoDescription {
  properties: DtoProperty[];
  /** Validator names missing from RULES: a new validator needs its entry there. */
  unknownValidators: string[];
}

type Rule = (constraints: any[]) => OpenApiSchema;
/** class-validator's metadata entry (its class is not exported from the package root). */
type ValidationMetadata = ReturnType<ReturnType<typeof getMetadataStorage>['getTargetValidationMetadatas']>[number];

const pattern = (value: RegExp | string): string => (value instanceof RegExp ? value.source : value);

/**
 * How each class-validator validator reads as OpenAPI: the one rule behind every admin DTO's
 * schema, so bounds in the document are the bounds validation enforces.
 */
const RULES: Record<string, Rule> = {
  isString: () => ({ type: 'string' }),
  isInt: () => ({ type: 'integer' }),
  isNumber: () => ({ type: 'number' }),
  isBoolean: () => ({ type: 'boolean' }),
  isArray: () => ({ type: 'array' }),
  isObject: () => ({ type: 'object' }),
  isIso8601: () => ({ type: 'string', format: 'date-time' }),
  isDateString: () => ({ type: 'string', format: 'date-time' }),
  isUuid: () => ({ type: 'string', format: 'uuid' }),
  isEmail: () => ({ type: 'string', format: 'email' }),
  isUrl: () => ({ type: 'string', format: 'uri' }),
  isIp: ([version]) => ({ type: 'string', ...(version ? { format: `ipv${version}` } : {}) }),
  isIn: ([values]) => ({ enum: [...values] }),
  isEnum: ([entity]) => ({ enum: [...new Set(Object.values(entity) as (string | number)[])] }),
  matches: ([regexp]) => ({ type: 'string', pattern: pattern(regexp) }),
  isLength: ([min, max]) => ({ type: 'string', minLength: min, ...(max !== undefined ? { maxLength: max } : {}) }),
  minLength: ([min]) => ({ type: 'string', minLength: min }),
  maxLength: ([max]) => ({ type: 'string', maxLength: max }),
  isNotEmpty: () => ({}),
  min: ([min]) => ({ minimum: min }),
  max: ([max]) => ({ maximum: max }),
  isPositive: () => ({ minimum: 0, exclusiveMinimum: true }),
  arrayMinSize: ([min]) => ({ type: 'array', minItems: min }),
  arrayMaxSize: ([max]) => ({ type: 'array', maxItems: max }),
  arrayNotEmpty: () => ({ type: 'array', minItems: 1 }),
  arrayUnique: () => ({ type: 'array', uniqueItems: true }),
  // The library's own validators (lib/admin/dto/validation-rules.ts).
  isIpRule: () => ({ type: 'string', description: 'An IP address or CIDR block.' }),
  isIdentifier: ([kind]) => ({
    type: 'string',
    minLength: 1,
    maxLength: MAX_IDENTIFIER_LENGTH,
    pattern: pattern(identifierShape(kind) ?? EDGES_NOT_BLANK),
    description: 'An identifier: no leading or trailing whitespace, no control or invisible characters; compared exactly.',
  }),
  isUnreservedPermission: () => ({
    description: `A permission name, compared exactly; of the reserved api_keys: namespace only ${RESERVED_GRANTS.join(' and ')}.`,
  }),
  isDescription: () => ({
    type: 'string',
    maxLength: MAX_DESCRIPTION_LENGTH,
    description: 'One line of text: no control or invisible characters.',
  }),
};

/** TypeScript's emitted design type, for properties no validator types. */
const DESIGN_TYPES = new Map<unknown, OpenApiSchema>([
  [String, { type: 'string' }],
  [Number, { type: 'number' }],
  [Boolean, { type: 'boolean' }],
  [Array, { type: 'array' }],
  [Date, { type: 'string', format: 'date-time' }],
]);

/**
 * Reads a DTO's class-validator metadata as OpenAPI property schemas with their bounds
 * (lengths, ranges, item counts, patterns, enums). Pure: it loads nothing of swagger.
 * @internal
 */
export function describeDto(dto: Function): DtoDescription {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false);
  const byProperty = new Map<string, ValidationMetadata[]>();
  for (const entry of metadata) byProperty.set(entry.propertyName, [...(byProperty.get(entry.propertyName) ?? []), entry]);
  const unknownValidators = new Set<string>();
  const properties = [...byProperty].map(([name, entries]) => describeProperty(dto, name, entries, unknownValidators));
  return { properties, unknownValidators: [...unknownValidators] };
}

function describeProperty(dto: Function, name: string, entries: ValidationMetadata[], unknown: Set<string>): DtoProperty {
  const schema: OpenApiSchema = {};
  const items: OpenApiSchema = {};
  let required = true;
  let nested: DtoProperty['nested'];
  // Decorators run bottom-up; reading them top-down keeps the DTO's own order of rules.
  for (const entry of [...entries].reverse()) {
    if (entry.type === 'conditionalValidation') required = false;
    else if (entry.type === 'nestedValidation') nested = nestedType(dto, name, entry.each);
    else if (entry.type === 'customValidation' && entry.name) {
      const rule = RULES[entry.name];
      if (!rule) unknown.add(entry.name);
      else Object.assign(entry.each ? items : schema, rule(entry.constraints ?? []));
    }
  }
  if (Object.keys(items).length > 0) {
    schema.type = 'array';
    schema.items = items;
  }
  if (nested?.isArray) schema.type = 'array';
  typeFromEnum(items);
  typeFromEnum(schema);
  if (schema.type === undefined) Object.assign(schema, DESIGN_TYPES.get(Reflect.getMetadata('design:type', dto.prototype, name)));
  return { name, required, schema, ...(nested ? { nested } : {}) };
}

/** `@IsIn(['a', 'b'])` alone still says what the values are. */
function typeFromEnum(schema: OpenApiSchema): void {
  if (schema.type !== undefined || !schema.enum?.length) return;
  schema.type = schema.enum.every((value) => typeof value === 'number') ? 'number' : 'string';
}

/**
 * The class a `@ValidateNested()` property holds, asked of class-transformer itself (its
 * `@Type()` metadata has no public reader, and TypeScript's design type of an array or a
 * nullable union names no class).
 */
function nestedType(dto: Function, name: string, each: boolean | undefined): DtoProperty['nested'] {
  const isArray = each === true;
  const probe = plainToInstance(dto as new () => object, { [name]: isArray ? [{}] : {} }) as Record<string, unknown>;
  const value = isArray ? (probe[name] as unknown[] | undefined)?.[0] : probe[name];
  const type = (value as object | undefined)?.constructor;
  return type && type !== Object ? { type, isArray } : undefined;
}
