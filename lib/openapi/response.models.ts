import type { Type } from '@nestjs/common';
import type { FieldError } from '../api-keys.errors.js';
import { API_KEY_STATUSES, type ApiKey, type ApiKeyPage } from '../interfaces/api-key.interface.js';
import type { ApiKeyPrincipal } from '../interfaces/api-key-principal.interface.js';
import { REFILL_INTERVALS, type RateLimitRule, type RefillState } from '../interfaces/quota.interface.js';
import type { RateLimitState, VerifyResult } from '../interfaces/verify-result.interface.js';
import { VERIFY_CODES } from '../interfaces/verify-code.interface.js';
import type { OpenApiSchema, PropertyOptions } from './openapi-schema.js';
import { loadSwagger } from './swagger.loader.js';

/** A property of a response model: a schema, or another model (a list of it with `isArray`). */
type ModelProperty = OpenApiSchema & { model?: Function; isArray?: boolean; optional?: true };

type OptionalKeys<T> = { [K in keyof T]-?: Record<never, never> extends Pick<T, K> ? K : never }[keyof T];

/**
 * A model's properties, one per key of the TypeScript type it documents: the compiler keeps them
 * in step, including which keys are optional (`optional: true`) and which can be null
 * (`nullable: true`).
 */
type ModelProperties<T> = {
  [K in keyof T]-?: ModelProperty &
    (K extends OptionalKeys<T> ? { optional: true } : { optional?: never }) &
    (null extends T[K] ? { nullable: true } : { nullable?: never });
};

/**
 * A response model: a plain class that swagger, when present, knows as the component schema
 * `name`. Without swagger it is an inert class the route declarations can still point at.
 * @internal
 */
export function defineModel<T>(name: string, properties: ModelProperties<T>): Type<T> {
  const model = { [name]: class {} }[name] as Type<T>;
  const swagger = loadSwagger();
  if (!swagger) return model;
  swagger.ApiSchema({ name })(model);
  for (const [property, spec] of Object.entries<ModelProperty>(properties)) {
    swagger.ApiProperty(propertyOptions(spec))(model.prototype, property);
  }
  return model;
}

function propertyOptions({ model, isArray, optional, type, ...schema }: ModelProperty): PropertyOptions {
  const required = !optional;
  if (model) return { ...schema, type: model, isArray, required };
  if (type === 'object') return { ...schema, type, additionalProperties: schema.additionalProperties ?? true, selfRequired: required };
  return { ...schema, type, required };
}

const pages = new Map<Function, Type<unknown>>();

/**
 * The page `{ items, nextCursor }` of a listing route, named `<item's schema>Page`.
 * @internal
 */
export function pageOf(item: Type<unknown>, name: string): Type<unknown> {
  const page =
    pages.get(item) ??
    defineModel<{ items: unknown[]; nextCursor: string | null }>(name, {
      items: { model: item, isArray: true },
      nextCursor: { type: 'string', nullable: true, description: 'Pass it back as `cursor` for the next page; null on the last one.' },
    });
  pages.set(item, page);
  return page;
}

const uuid = { type: 'string', format: 'uuid' } as const;
const dateTime = { type: 'string', format: 'date-time' } as const;
const names = { type: 'array', items: { type: 'string' } } as const;
const metaObject = { type: 'object', additionalProperties: true } as const;

/** @internal */
export const RateLimitRuleModel = defineModel<RateLimitRule>('RateLimitRule', {
  name: { type: 'string' },
  limit: { type: 'integer', minimum: 1 },
  windowMs: { type: 'integer', minimum: 1 },
  mode: { type: 'string', enum: ['enforce', 'report'], optional: true },
});

/** @internal */
export const RefillStateModel = defineModel<RefillState>('RefillState', {
  amount: { type: 'integer', minimum: 1 },
  interval: { type: 'string', enum: [...REFILL_INTERVALS] },
  lastRefillAt: { ...dateTime, nullable: true },
});

/** A stored key over HTTP: never its hash, never the raw key. @internal */
export const ApiKeyModel = defineModel<ApiKey>('ApiKey', {
  id: uuid,
  lineageId: { ...uuid, description: 'Stable across rotations.' },
  ownerId: { type: 'string' },
  name: { type: 'string', nullable: true },
  namespace: { type: 'string' },
  environment: { type: 'string', nullable: true },
  start: { type: 'string', description: 'The prefix and the first 4 characters of the key, for display.' },
  last4: { type: 'string' },
  hashVersion: { type: 'string' },
  meta: metaObject,
  permissions: { ...names, description: 'Direct grants; roles add theirs on verify.' },
  roles: names,
  allowedIps: { ...names, description: 'IP addresses or CIDR blocks; empty means any address.' },
  enabled: { type: 'boolean' },
  disabledBy: { type: 'string', enum: ['owner', 'admin'], nullable: true },
  status: { type: 'string', enum: [...API_KEY_STATUSES] },
  remaining: { type: 'integer', minimum: 0, nullable: true, description: 'Usage credits left; null means unlimited.' },
  refill: { model: RefillStateModel, nullable: true },
  rateLimits: { model: RateLimitRuleModel, isArray: true },
  createdAt: dateTime,
  updatedAt: dateTime,
  expiresAt: { ...dateTime, nullable: true },
  maxIdleMs: { type: 'integer', minimum: 1, nullable: true },
  lastUsedAt: { ...dateTime, nullable: true },
  revokedAt: { ...dateTime, nullable: true },
  rotatedFromId: { ...uuid, nullable: true },
  rotatedToId: { ...uuid, nullable: true },
  rotationGraceEndsAt: { ...dateTime, nullable: true },
  parentKeyId: { ...uuid, nullable: true },
});

/** @internal */
export const ApiKeyPageModel = pageOf(ApiKeyModel, 'ApiKeyPage') as Type<ApiKeyPage>;

/** The answer of create and rotate: the raw key, shown this once. @internal */
export const CreatedApiKeyModel = defineModel<{ key: string; apiKey: ApiKey }>('CreatedApiKey', {
  key: { type: 'string', description: 'The raw key. It is shown in this answer only; store it now.' },
  apiKey: { model: ApiKeyModel },
});

/** @internal */
export const RevokeManyResultModel = defineModel<{ revoked: number }>('RevokeManyResult', {
  revoked: { type: 'integer', minimum: 0, description: 'How many keys this call revoked.' },
});

/** @internal */
export const ApiKeyPrincipalModel = defineModel<ApiKeyPrincipal>('ApiKeyPrincipal', {
  id: uuid,
  lineageId: uuid,
  ownerId: { type: 'string' },
  namespace: { type: 'string' },
  environment: { type: 'string', nullable: true },
  name: { type: 'string', nullable: true },
  permissions: { ...names, description: 'Effective permissions: direct grants and those of the roles.' },
  roles: names,
  meta: metaObject,
  expiresAt: { ...dateTime, nullable: true },
});

/** @internal */
export const RateLimitStateModel = defineModel<RateLimitState>('RateLimitState', {
  name: { type: 'string' },
  limit: { type: 'integer' },
  remaining: { type: 'integer' },
  resetAt: { type: 'integer', description: 'Epoch milliseconds.' },
});

/** @internal */
export const VerifyResultModel = defineModel<VerifyResult>('VerifyResult', {
  valid: { type: 'boolean' },
  code: { type: 'string', enum: [...VERIFY_CODES] },
  message: { type: 'string' },
  key: { model: ApiKeyPrincipalModel, optional: true },
  remaining: { type: 'integer', optional: true, description: 'Credits left after this call; absent for unlimited keys.' },
  rateLimit: { model: RateLimitStateModel, optional: true },
  wouldRateLimit: { type: 'string', optional: true, description: 'A report-mode limit that would have denied the call.' },
  retryAfterMs: { type: 'integer', optional: true },
});

/** @internal */
export const FieldErrorModel = defineModel<FieldError>('FieldError', {
  field: { type: 'string' },
  messages: names,
});

/** The library's error body `{ statusCode, error, code, message, errors? }`. @internal */
export interface ApiKeysErrorBody {
  statusCode: number;
  error: string;
  code: string;
  message: string;
  errors?: FieldError[];
}

/** @internal */
export const ApiKeysErrorModel = defineModel<ApiKeysErrorBody>('ApiKeysError', {
  statusCode: { type: 'integer' },
  error: { type: 'string' },
  code: { type: 'string', description: 'Machine-readable, e.g. MISSING, VALIDATION_FAILED, NOT_FOUND.' },
  message: { type: 'string' },
  errors: { model: FieldErrorModel, isArray: true, optional: true, description: 'With VALIDATION_FAILED: what is wrong, per field.' },
});
