import { randomBytes } from 'node:crypto';
import { Controller, Get, Module, Post } from '@nestjs/common';
import { ApiOkResponse, DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import request from 'supertest';
import {
  API_KEY_SECURITY_SCHEME,
  API_KEY_AUDIT_ACTIONS,
  API_KEY_STATUSES,
  API_KEYS_OPENAPI_TAG,
  ApiKeyAuth,
  ApiKeysModule,
  addApiKeySecurity,
  CurrentApiKey,
  DENIAL_STATUS,
  RequirePermissions,
  VERIFY_CODES,
  type ApiKeyPrincipal,
} from '../lib/index.js';
import { resolveRef, schemaErrors } from './utils/openapi-schema.js';
import { createTestDatabase } from './utils/databases.js';
import { createTestApp, PLATFORMS, type TestApp } from './utils/test-app.js';

// The host's OpenAPI document with @nestjs/swagger installed (SPEC §12): every admin route
// under the tag api-keys with its request, query, response and error schemas, the api-key
// security scheme, and @ApiKeyAuth() on host routes. The last groups prove the document
// tells the truth: real answers validate against it, and its bounds are the ones enforced.

/** A host controller guarded as a whole. */
@Controller('invoices')
@ApiKeyAuth()
@RequirePermissions('billing:read')
class InvoicesController {
  @Get()
  list(@CurrentApiKey() key: ApiKeyPrincipal) {
    return { owner: key.ownerId };
  }

  @Post()
  create() {
    return { created: true };
  }
}

/** A host controller with one guarded route among open ones. */
@Controller('reports')
class ReportsController {
  @Get('public')
  open() {
    return { open: true };
  }

  @Get('private')
  @ApiKeyAuth()
  @ApiOkResponse({ description: 'The report' })
  secret() {
    return { secret: true };
  }
}

/** The admin routes of SPEC §9 that exist today, as they appear in the document. */
const ADMIN_OPERATIONS = [
  'POST /api-keys/keys',
  'GET /api-keys/keys',
  'POST /api-keys/keys/revoke',
  'GET /api-keys/keys/{id}',
  'PATCH /api-keys/keys/{id}',
  'POST /api-keys/keys/{id}/rotate',
  'POST /api-keys/keys/{id}/revoke',
  'POST /api-keys/keys/{id}/children',
  'POST /api-keys/verify',
  'GET /api-keys/permissions',
  'POST /api-keys/permissions',
  'DELETE /api-keys/permissions/{name}',
  'GET /api-keys/roles',
  'POST /api-keys/roles',
  'DELETE /api-keys/roles/{name}',
  'PUT /api-keys/keys/{id}/roles',
  'PUT /api-keys/keys/{id}/permissions',
  'GET /api-keys/keys/{id}/usage',
  'GET /api-keys/keys/{id}/verifications',
  'GET /api-keys/stats',
  'GET /api-keys/audit-events',
  'GET /api-keys/owners/{ownerId}/secrets',
  'PUT /api-keys/owners/{ownerId}/secrets/{name}',
  'GET /api-keys/owners/{ownerId}/secrets/{name}',
  'DELETE /api-keys/owners/{ownerId}/secrets/{name}',
  'GET /api-keys/secrets',
  'PUT /api-keys/secrets/{name}',
  'GET /api-keys/secrets/{name}',
  'DELETE /api-keys/secrets/{name}',
];
const SECRET_OPERATIONS = ADMIN_OPERATIONS.filter((name) => name.includes('/secrets'));
const KEY_OPERATIONS = ADMIN_OPERATIONS.filter((name) => !SECRET_OPERATIONS.includes(name));

const GUARD_CODES = (status: number) =>
  Object.entries(DENIAL_STATUS)
    .filter(([, s]) => s === status)
    .map(([code]) => code);
const UNKNOWN_ID = '3f1e9a52-7c4b-4d8e-9a61-0b2c3d4e5f60';

type Operation = Record<string, any>;

function operations(document: OpenAPIObject): [string, Operation][] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item as Record<string, Operation>).map(([method, op]) => [`${method.toUpperCase()} ${path}`, op] as [string, Operation]),
  );
}

describe.each(PLATFORMS)('OpenAPI document on %s', (platform) => {
  let t: TestApp;
  let document: OpenAPIObject;
  let root: string;
  const op = (name: string): Operation => {
    const found = operations(document).find(([key]) => key === name);
    if (!found) throw new Error(`${name} is not in the document`);
    return found[1];
  };
  const schema = (name: string) => document.components!.schemas![name] as Record<string, any>;

  beforeAll(async () => {
    t = await createTestApp({
      platform,
      options: { secrets: { keys: { k1: randomBytes(32).toString('base64') }, activeKeyId: 'k1' } },
      structural: { admin: { path: 'api-keys' } },
      controllers: [InvoicesController, ReportsController],
    });
    document = SwaggerModule.createDocument(t.app, addApiKeySecurity(new DocumentBuilder().setTitle('host')).build());
    ({ key: root } = await t.apiKeys.create({ ownerId: 'ops', name: 'root', permissions: ['api_keys:admin'] }));
  });
  afterAll(() => t.close());

  describe('admin routes', () => {
    it('lists every admin route, each under the tag api-keys requiring the api-key scheme', () => {
      const admin = operations(document).filter(([, o]) => o.tags?.includes(API_KEYS_OPENAPI_TAG));
      expect(admin.map(([name]) => name).sort()).toEqual([...ADMIN_OPERATIONS].sort());
      for (const [name, o] of admin) {
        expect({ name, tags: o.tags, security: o.security }).toEqual({ name, tags: ['api-keys'], security: [{ 'api-key': [] }] });
        expect(o.summary).toEqual(expect.any(String));
      }
      expect(API_KEYS_OPENAPI_TAG).toBe('api-keys');
      expect(API_KEY_SECURITY_SCHEME).toBe('api-key');
    });

    it('gives every admin route a success response with its schema and the guard errors with the error body', () => {
      const success: Record<string, [string, string | null]> = {
        'POST /api-keys/keys': ['201', 'CreatedApiKey'],
        'GET /api-keys/keys': ['200', 'ApiKeyPage'],
        'POST /api-keys/keys/revoke': ['200', 'RevokeManyResult'],
        'GET /api-keys/keys/{id}': ['200', 'ApiKey'],
        'PATCH /api-keys/keys/{id}': ['200', 'ApiKey'],
        'POST /api-keys/keys/{id}/rotate': ['201', 'CreatedApiKey'],
        'POST /api-keys/keys/{id}/revoke': ['200', 'ApiKey'],
        'POST /api-keys/keys/{id}/children': ['201', 'CreatedApiKey'],
        'POST /api-keys/verify': ['200', 'VerifyResult'],
        'GET /api-keys/permissions': ['200', 'ApiKeyPermissionPage'],
        'POST /api-keys/permissions': ['201', 'ApiKeyPermission'],
        'DELETE /api-keys/permissions/{name}': ['204', ''],
        'GET /api-keys/roles': ['200', 'ApiKeyRolePage'],
        'POST /api-keys/roles': ['201', 'ApiKeyRole'],
        'DELETE /api-keys/roles/{name}': ['204', ''],
        'PUT /api-keys/keys/{id}/roles': ['200', 'ApiKey'],
        'PUT /api-keys/keys/{id}/permissions': ['200', 'ApiKey'],
        'GET /api-keys/keys/{id}/usage': ['200', 'UsageSeries'],
        'GET /api-keys/keys/{id}/verifications': ['200', 'VerificationLogPage'],
        'GET /api-keys/stats': ['200', 'UsageStats'],
        'GET /api-keys/audit-events': ['200', 'AuditEventPage'],
        'GET /api-keys/owners/{ownerId}/secrets': ['200', 'SecretList'],
        'PUT /api-keys/owners/{ownerId}/secrets/{name}': ['200', 'SecretMetadata'],
        'GET /api-keys/owners/{ownerId}/secrets/{name}': ['200', 'Secret'],
        'DELETE /api-keys/owners/{ownerId}/secrets/{name}': ['204', ''],
        'GET /api-keys/secrets': ['200', 'SecretList'],
        'PUT /api-keys/secrets/{name}': ['200', 'SecretMetadata'],
        'GET /api-keys/secrets/{name}': ['200', 'Secret'],
        'DELETE /api-keys/secrets/{name}': ['204', ''],
      };
      for (const name of ADMIN_OPERATIONS) {
        const responses = op(name).responses;
        const [status, model] = success[name];
        // 204 No Content has no body, hence no schema.
        expect({ name, schema: responses[status]?.content?.['application/json'].schema }).toEqual({
          name,
          schema: model ? { $ref: `#/components/schemas/${model}` } : undefined,
        });
        expect(responses[status]).toBeDefined();
        expect(Object.keys(responses).filter((s) => s.startsWith('2'))).toEqual([status]);
        for (const guardStatus of ['401', '403', '429', '503']) {
          const response = responses[guardStatus];
          expect(response.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/ApiKeysError' });
          for (const code of GUARD_CODES(Number(guardStatus))) expect(response.description).toContain(code);
        }
        expect(responses['403'].description).toContain('FORBIDDEN');
      }
    });

    it('adds 400 to routes that validate a body or query, 404 to routes with an id, and the route-specific errors', () => {
      for (const name of KEY_OPERATIONS) {
        const o = op(name);
        const validates = 'requestBody' in o || o.parameters.some((p: any) => p.in === 'query');
        expect({ name, has400: '400' in o.responses }).toEqual({ name, has400: validates });
        const pathParameter = /\{(\w+)\}/.exec(name)?.[1];
        expect({ name, has404: '404' in o.responses }).toEqual({ name, has404: pathParameter !== undefined });
        if (validates) expect(o.responses['400'].description).toContain('VALIDATION_FAILED');
        if (pathParameter) {
          expect(o.responses['404'].description).toContain('NOT_FOUND');
          expect(o.parameters).toContainEqual({ name: pathParameter, in: 'path', required: true, schema: { type: 'string' } });
        }
      }
      expect(op('DELETE /api-keys/permissions/{name}').responses['409'].description).toContain('PERMISSION_IN_USE');
      expect(op('DELETE /api-keys/roles/{name}').responses['409'].description).toContain('ROLE_IN_USE');
      expect(op('PUT /api-keys/keys/{id}/roles').responses['409'].description).toContain('KEY_ROTATED');
      expect(op('PUT /api-keys/keys/{id}/permissions').responses['409'].description).toContain('KEY_ROTATED');
      expect('400' in op('DELETE /api-keys/roles/{name}').responses).toBe(false);
      expect(op('POST /api-keys/keys/{id}/rotate').responses['409'].description).toContain('KEY_NOT_ROTATABLE');
      expect(op('PATCH /api-keys/keys/{id}').responses['409'].description).toContain('KEY_ROTATED');
      expect(op('PATCH /api-keys/keys/{id}').responses['403'].description).toContain('KEY_DISABLED_BY_ADMIN');
      expect(op('POST /api-keys/keys').responses['403'].description).toContain('FORBIDDEN_GRANT');
      expect(op('POST /api-keys/keys').responses['409'].description).toContain('MAX_KEYS_REACHED');
      expect(op('POST /api-keys/keys/{id}/children').responses['403'].description).toContain('FORBIDDEN_GRANT');
      expect(op('POST /api-keys/keys/{id}/children').responses['409'].description).toContain('MAX_KEYS_REACHED');
      expect('409' in op('GET /api-keys/keys/{id}').responses).toBe(false);
    });

    it('gives every secrets route its 400 (names and owner ids), 501 without a keyring, and 500 SECRET_UNREADABLE where it decrypts', () => {
      for (const name of SECRET_OPERATIONS) {
        const responses = op(name).responses;
        expect({ name, s400: responses['400']?.description, s501: responses['501']?.description }).toEqual({
          name,
          s400: expect.stringContaining('VALIDATION_FAILED'),
          s501: expect.stringContaining('SECRETS_NOT_CONFIGURED'),
        });
        expect({ name, has500: '500' in responses }).toEqual({ name, has500: /^GET .*\{name\}$/.test(name) });
        if (name.includes('{name}')) expect(responses['404'].description).toContain('NOT_FOUND');
        for (const parameter of ['ownerId', 'name'].filter((p) => name.includes(`{${p}}`)))
          expect(op(name).parameters).toContainEqual({ name: parameter, in: 'path', required: true, schema: { type: 'string' } });
      }
      expect(op('GET /api-keys/secrets/{name}').responses['500'].description).toContain('SECRET_UNREADABLE');
      expect(op('PUT /api-keys/secrets/{name}').requestBody.content['application/json'].schema.$ref).toBe(
        '#/components/schemas/PutSecretDto',
      );
      expect(schema('PutSecretDto')).toMatchObject({
        required: ['value'],
        properties: { value: { type: 'string', maxLength: 32 * 1024 } },
      });
      expect(Object.keys(schema('Secret').properties)).toEqual(['name', 'ownerId', 'keyId', 'createdAt', 'updatedAt', 'value']);
      expect(schema('Secret').required).not.toContain('value');
      expect(schema('SecretMetadata').properties).not.toHaveProperty('value');
    });

    it('describes the request bodies from the DTOs with their bounds', () => {
      const bodyRef = (name: string) => op(name).requestBody.content['application/json'].schema.$ref;
      expect(bodyRef('POST /api-keys/keys')).toBe('#/components/schemas/CreateApiKeyDto');
      expect(bodyRef('PATCH /api-keys/keys/{id}')).toBe('#/components/schemas/UpdateApiKeyDto');
      expect(bodyRef('POST /api-keys/keys/{id}/rotate')).toBe('#/components/schemas/RotateApiKeyDto');
      expect(bodyRef('POST /api-keys/keys/{id}/children')).toBe('#/components/schemas/CreateApiKeyDto');
      expect(bodyRef('POST /api-keys/keys/revoke')).toBe('#/components/schemas/RevokeManyDto');
      expect(bodyRef('POST /api-keys/verify')).toBe('#/components/schemas/VerifyApiKeyDto');

      const create = schema('CreateApiKeyDto');
      expect(create.required).toBeUndefined();
      expect(create.properties.ownerId).toEqual({
        type: 'string',
        minLength: 1,
        maxLength: 128,
        pattern: '^\\S(?:.*\\S)?$',
        description: expect.stringMatching(/^An identifier/),
        nullable: true,
      });
      expect(create.properties.name).toMatchObject({ type: 'string', maxLength: 200 });
      expect(create.properties.namespace).toMatchObject({ type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.:-]+$' });
      expect(create.properties.permissions).toMatchObject({
        type: 'array',
        maxItems: 100,
        items: { type: 'string', maxLength: 128, pattern: expect.stringContaining('[A-Za-z0-9_.-]+') },
      });
      expect(create.properties.roles.items.maxLength).toBe(128);
      expect(create.properties.allowedIps).toMatchObject({ type: 'array', maxItems: 100, items: { type: 'string' } });
      expect(create.properties.expiresAt).toMatchObject({ type: 'string', format: 'date-time' });
      expect(create.properties.remaining).toMatchObject({ type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
      expect(create.properties.maxIdleMs).toMatchObject({ type: 'integer', minimum: 1 });
      expect(create.properties.meta).toMatchObject({ type: 'object', additionalProperties: true });
      expect(create.properties.refill).toMatchObject({ allOf: [{ $ref: '#/components/schemas/RefillDto' }], nullable: true });
      expect(create.properties.rateLimits).toMatchObject({
        type: 'array',
        maxItems: 10,
        items: { $ref: '#/components/schemas/RateLimitDto' },
      });
      expect(create.properties).not.toHaveProperty('hash');

      expect(schema('RefillDto')).toMatchObject({
        required: ['amount', 'interval'],
        properties: {
          amount: { type: 'integer', minimum: 1 },
          interval: { type: 'string', enum: ['hourly', 'daily', 'weekly', 'monthly'] },
        },
      });
      expect(schema('RateLimitDto')).toMatchObject({
        required: ['name', 'limit', 'windowMs'],
        properties: { name: { pattern: '^[A-Za-z0-9_.:-]+$', maxLength: 128 }, mode: { enum: ['enforce', 'report'] } },
      });
      expect(schema('RotateApiKeyDto').properties.gracePeriodMs).toMatchObject({
        type: 'integer',
        minimum: 0,
        maximum: 365 * 24 * 3600 * 1000,
      });
      expect(schema('VerifyApiKeyDto')).toMatchObject({ required: ['key'], properties: { key: { type: 'string', maxLength: 4096 } } });
      expect(schema('UpdateApiKeyDto').properties.rateLimits).toMatchObject({ nullable: true, maxItems: 10 });

      expect(bodyRef('POST /api-keys/permissions')).toBe('#/components/schemas/CreatePermissionDto');
      expect(bodyRef('POST /api-keys/roles')).toBe('#/components/schemas/CreateRoleDto');
      expect(bodyRef('PUT /api-keys/keys/{id}/roles')).toBe('#/components/schemas/SetKeyRolesDto');
      expect(bodyRef('PUT /api-keys/keys/{id}/permissions')).toBe('#/components/schemas/SetKeyPermissionsDto');
      const permission = schema('CreatePermissionDto');
      expect(permission.required).toEqual(['name']);
      expect(permission.properties.name).toMatchObject({
        type: 'string',
        minLength: 1,
        maxLength: 128,
        pattern: expect.stringContaining('[A-Za-z0-9_.-]+'),
        description: expect.stringContaining('api_keys:admin and api_keys:*'),
      });
      expect(permission.properties.description).toMatchObject({ type: 'string', maxLength: 500, nullable: true });
      const role = schema('CreateRoleDto');
      expect(role.required.sort()).toEqual(['name', 'permissions']);
      expect(role.properties.permissions).toMatchObject({ type: 'array', maxItems: 100, items: { type: 'string', maxLength: 128 } });
      expect(schema('SetKeyRolesDto')).toMatchObject({ required: ['roles'], properties: { roles: { type: 'array', maxItems: 100 } } });
      expect(schema('SetKeyPermissionsDto')).toMatchObject({ required: ['permissions'], properties: { permissions: { maxItems: 100 } } });
      expect(schema('ApiKeyRole')).toMatchObject({
        required: ['name', 'permissions', 'createdAt'],
        properties: { permissions: { type: 'array', items: { type: 'string' } }, createdAt: { format: 'date-time' } },
      });
      expect(schema('ApiKeyPermission').properties.description).toEqual({ type: 'string', nullable: true });
      for (const list of ['GET /api-keys/permissions', 'GET /api-keys/roles']) {
        const parameters = Object.fromEntries(op(list).parameters.map((p: any) => [p.name, p]));
        expect(parameters.limit).toMatchObject({ in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 100 } });
        expect(parameters.cursor).toMatchObject({ in: 'query', required: false, schema: { type: 'string', maxLength: 1024 } });
      }
    });

    it('describes the list query parameters with their bounds and enum, none required', () => {
      const parameters = op('GET /api-keys/keys').parameters;
      expect(parameters.map((p: any) => p.name)).toEqual(['ownerId', 'namespace', 'status', 'limit', 'cursor']);
      const byName = Object.fromEntries(parameters.map((p: any) => [p.name, p]));
      for (const p of parameters) expect(p).toMatchObject({ in: 'query', required: false });
      expect(byName.ownerId.schema).toEqual({ type: 'string', minLength: 1, maxLength: 128, pattern: '^\\S(?:.*\\S)?$' });
      expect(byName.status.schema).toEqual({ type: 'string', enum: [...API_KEY_STATUSES] });
      expect(byName.limit.schema).toEqual({ type: 'integer', minimum: 1, maximum: 100 });
      expect(byName.cursor.schema).toEqual({ type: 'string', maxLength: 200 });
    });

    it('describes GET /audit-events: its filters with their bounds, and the event model', () => {
      const params = Object.fromEntries(op('GET /api-keys/audit-events').parameters.map((p: any) => [p.name, p]));
      expect(Object.keys(params).sort()).toEqual(['action', 'actorId', 'cursor', 'keyId', 'limit', 'ownerId', 'since', 'until']);
      for (const p of Object.values<any>(params)) expect(p).toMatchObject({ in: 'query', required: false });
      expect(params.keyId.schema).toEqual({ type: 'string', format: 'uuid' });
      expect(params.action.schema).toEqual({ type: 'string', enum: [...API_KEY_AUDIT_ACTIONS] });
      expect(params.since.schema).toEqual({ type: 'string', format: 'date-time', maxLength: 40 });
      expect(params.limit.schema).toEqual({ type: 'integer', minimum: 1, maximum: 100 });
      expect(schema('AuditEvent').required.sort()).toEqual(['action', 'actorId', 'at', 'details', 'id']);
      expect(schema('AuditEventPage').properties.items).toMatchObject({
        type: 'array',
        items: { $ref: '#/components/schemas/AuditEvent' },
      });
    });

    it('describes the usage routes: their query bounds and the series, log and stats models', () => {
      const params = (name: string) => Object.fromEntries(op(name).parameters.map((p: any) => [p.name, p]));
      const usage = params('GET /api-keys/keys/{id}/usage');
      expect(usage.granularity).toMatchObject({ in: 'query', required: false, schema: { type: 'string', enum: ['hour', 'day'] } });
      expect(usage.since.schema).toEqual({ type: 'string', format: 'date-time', maxLength: 40 });
      const log = params('GET /api-keys/keys/{id}/verifications');
      expect(log.limit.schema).toEqual({ type: 'integer', minimum: 1, maximum: 100 });
      expect(log.tags.schema).toMatchObject({ type: 'array', maxItems: 10, items: { type: 'string', minLength: 1, maxLength: 128 } });
      expect(Object.keys(params('GET /api-keys/stats')).sort()).toEqual(['ownerId', 'since', 'until']);

      expect(schema('UsageSeries').properties.buckets).toEqual({
        type: 'array',
        description: expect.any(String),
        items: { $ref: '#/components/schemas/UsageBucket' },
      });
      expect(schema('UsageBucket').required.sort()).toEqual(['at', 'byCode', 'spent', 'total', 'valid']);
      expect(schema('VerificationLogEntry').required.sort()).toEqual(['at', 'code', 'cost']);
      expect(schema('VerificationLogPage').properties.nextCursor).toMatchObject({ type: 'string', nullable: true });
      expect(schema('UsageStats').required.sort()).toEqual(['keys', 'verifications']);
      expect(schema('VerificationTotals').properties.successRate).toMatchObject({ type: 'number', minimum: 0, maximum: 1, nullable: true });
      expect(schema('KeyStatusCounts').required.sort()).toEqual([...API_KEY_STATUSES].sort());
    });

    it('describes the response models: ApiKey without hash, the page, the created key, revoked, VerifyResult, the error body', () => {
      const apiKey = schema('ApiKey');
      expect(apiKey.properties).not.toHaveProperty('hash');
      expect(apiKey.required.sort()).toEqual(Object.keys(apiKey.properties).sort());
      expect(apiKey.properties.status).toEqual({ type: 'string', enum: [...API_KEY_STATUSES] });
      expect(apiKey.properties.expiresAt).toEqual({ type: 'string', format: 'date-time', nullable: true });
      expect(apiKey.properties.remaining).toMatchObject({ type: 'integer', nullable: true });
      expect(apiKey.properties.refill).toMatchObject({ nullable: true, allOf: [{ $ref: '#/components/schemas/RefillState' }] });
      expect(apiKey.properties.rateLimits).toEqual({ type: 'array', items: { $ref: '#/components/schemas/RateLimitRule' } });

      expect(schema('ApiKeyPage')).toMatchObject({
        required: ['items', 'nextCursor'],
        properties: {
          items: { type: 'array', items: { $ref: '#/components/schemas/ApiKey' } },
          nextCursor: { type: 'string', nullable: true },
        },
      });
      expect(schema('CreatedApiKey')).toMatchObject({
        required: ['key', 'apiKey'],
        properties: { key: { type: 'string' }, apiKey: { $ref: '#/components/schemas/ApiKey' } },
      });
      expect(schema('RevokeManyResult')).toMatchObject({ required: ['revoked'], properties: { revoked: { type: 'integer' } } });
      const verify = schema('VerifyResult');
      expect(verify.required).toEqual(['valid', 'code', 'message']);
      expect(verify.properties.code.enum).toEqual([...VERIFY_CODES]);
      expect(verify.properties.key).toEqual({ $ref: '#/components/schemas/ApiKeyPrincipal' });
      expect(verify.properties.rateLimit).toEqual({ $ref: '#/components/schemas/RateLimitState' });
      expect(schema('ApiKeysError')).toMatchObject({
        required: ['statusCode', 'error', 'code', 'message'],
        properties: { errors: { type: 'array', items: { $ref: '#/components/schemas/FieldError' } } },
      });
      expect(schema('FieldError')).toMatchObject({ required: ['field', 'messages'] });
    });

    it('has the api-key security scheme that addApiKeySecurity added', () => {
      expect(document.components!.securitySchemes).toEqual({
        'api-key': { type: 'apiKey', in: 'header', name: 'x-api-key', description: expect.any(String) },
      });
    });
  });

  describe('@ApiKeyAuth() on host routes', () => {
    it('on a controller: every route requires api-key, lists the guard errors and keeps its default success', () => {
      for (const [name, success] of [
        ['GET /invoices', '200'],
        ['POST /invoices', '201'],
      ] as const) {
        const o = op(name);
        expect(o.security).toEqual([{ 'api-key': [] }]);
        expect(Object.keys(o.responses).sort()).toEqual([success, '401', '403', '429', '503']);
        expect(o.responses['401'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/ApiKeysError' });
        expect(o.responses['429'].description).toContain('TOO_MANY_ATTEMPTS');
        expect(o.tags).not.toContain('api-keys');
      }
    });

    it('on a route: only that route, beside its own success response', () => {
      expect(op('GET /reports/private')).toMatchObject({ security: [{ 'api-key': [] }] });
      expect(Object.keys(op('GET /reports/private').responses).sort()).toEqual(['200', '401', '403', '429', '503']);
      expect(op('GET /reports/private').responses['200'].description).toBe('The report');
      expect(op('GET /reports/public').security).toBeUndefined();
      expect(Object.keys(op('GET /reports/public').responses)).toEqual(['200']);
    });

    it('guards as @UseGuards(ApiKeyGuard) does', async () => {
      const { key } = await t.apiKeys.create({ ownerId: 'acme', permissions: ['billing:read'] });
      const missing = await request(t.server).get('/invoices').expect(401);
      expect(missing.body).toMatchObject({ code: 'MISSING' });
      expect(missing.headers['www-authenticate']).toBe('ApiKey');
      await request(t.server).get('/invoices').set('x-api-key', key).expect(200, { owner: 'acme' });
      await request(t.server).get('/reports/private').expect(401);
      await request(t.server).get('/reports/private').set('x-api-key', key).expect(200, { secret: true });
      await request(t.server).get('/reports/public').expect(200, { open: true });
      const denied = await request(t.server).get('/invoices').set('x-api-key', root).expect(403);
      expect(denied.body.code).toBe('INSUFFICIENT_PERMISSIONS');
    });
  });

  describe('the document tells the truth', () => {
    /** The answer validates against the schema the document gives for its status. */
    function expectDocumented(name: string, res: request.Response): void {
      const response = op(name).responses[String(res.status)];
      expect({ name, status: res.status, documented: Boolean(response) }).toEqual({ name, status: res.status, documented: true });
      const responseSchema = response.content['application/json'].schema;
      expect({ name, status: res.status, errors: schemaErrors(document, responseSchema, res.body) }).toEqual({
        name,
        status: res.status,
        errors: [],
      });
    }

    it('real answers of every admin route, success and error, validate against the document', async () => {
      const api = (method: 'get' | 'post' | 'patch', path: string, key: string | null = root) => {
        const req = request(t.server)[method](`/api-keys${path}`);
        return key ? req.set('x-api-key', key) : req;
      };
      const created = await api('post', '/keys').send({
        ownerId: 'truth',
        name: 'full',
        permissions: ['projects:read'],
        remaining: 10,
        refill: { amount: 10, interval: 'daily' },
        rateLimits: [{ name: 'per-second', limit: 5, windowMs: 1000, mode: 'report' }],
        expiresAt: '2099-01-01T00:00:00.000Z',
        meta: { plan: 'pro' },
      });
      expectDocumented('POST /api-keys/keys', created);
      const { key, apiKey } = created.body;
      expectDocumented('POST /api-keys/keys', await api('post', '/keys').send({ ownerId: 'truth' }));
      expectDocumented('POST /api-keys/keys', await api('post', '/keys').send({ ownerId: 'truth', allowedIps: ['10.0.0.0/8', '::1'] }));

      const page = await api('get', '/keys?ownerId=truth&limit=1');
      expectDocumented('GET /api-keys/keys', page);
      expect(page.body.nextCursor).toEqual(expect.any(String));
      expectDocumented('GET /api-keys/keys', await api('get', `/keys?ownerId=truth&cursor=${encodeURIComponent(page.body.nextCursor)}`));
      expectDocumented('GET /api-keys/keys/{id}', await api('get', `/keys/${apiKey.id}`));
      expectDocumented('PATCH /api-keys/keys/{id}', await api('patch', `/keys/${apiKey.id}`).send({ name: null, maxIdleMs: 60000 }));

      const child = await api('post', `/keys/${apiKey.id}/children`).send({ name: 'ci', permissions: ['projects:read'] });
      expect(child.status).toBe(201);
      expectDocumented('POST /api-keys/keys/{id}/children', child);
      const wider = await api('post', `/keys/${apiKey.id}/children`).send({ permissions: ['projects:*'] });
      expect(wider.body.code).toBe('FORBIDDEN_GRANT');
      expectDocumented('POST /api-keys/keys/{id}/children', wider);
      expectDocumented('POST /api-keys/keys/{id}/children', await api('post', `/keys/${UNKNOWN_ID}/children`).send({}));

      const valid = await api('post', '/verify').send({ key, permissions: ['projects:read'], cost: 1 });
      expect(valid.body).toMatchObject({ valid: true, code: 'VALID', remaining: 9 });
      expectDocumented('POST /api-keys/verify', valid);
      expectDocumented('POST /api-keys/verify', await api('post', '/verify').send({ key: 'sk_nope' }));

      const rotated = await api('post', `/keys/${apiKey.id}/rotate`).send({ gracePeriodMs: 60000 });
      expectDocumented('POST /api-keys/keys/{id}/rotate', rotated);
      const again = await api('post', `/keys/${apiKey.id}/rotate`).send({});
      expect(again.status).toBe(409);
      expectDocumented('POST /api-keys/keys/{id}/rotate', again);
      const rotatedPatch = await api('patch', `/keys/${apiKey.id}`).send({ permissions: ['projects:write'] });
      expect(rotatedPatch.body.code).toBe('KEY_ROTATED');
      expectDocumented('PATCH /api-keys/keys/{id}', rotatedPatch);

      expectDocumented('POST /api-keys/keys/{id}/revoke', await api('post', `/keys/${rotated.body.apiKey.id}/revoke`));
      expectDocumented('POST /api-keys/keys/revoke', await api('post', '/keys/revoke').send({ ownerId: 'truth' }));

      const invalid = await api('post', '/keys').send({ ownerId: 'truth', name: 'x'.repeat(201), bogus: 1 });
      expect(invalid.status).toBe(400);
      expectDocumented('POST /api-keys/keys', invalid);
      expectDocumented('GET /api-keys/keys', await api('get', '/keys?limit=0'));
      expectDocumented('POST /api-keys/keys/revoke', await api('post', '/keys/revoke').send({}));
      expectDocumented('GET /api-keys/keys/{id}', await api('get', `/keys/${UNKNOWN_ID}`));
      expectDocumented('GET /api-keys/keys/{id}', await api('get', '/keys/not-a-uuid'));
      expectDocumented('GET /api-keys/keys', await api('get', '/keys', null));
      expectDocumented('GET /api-keys/keys', await api('get', '/keys', 'sk_nope'));
      const { key: plain } = await t.apiKeys.create({ ownerId: 'truth', permissions: ['projects:read'] });
      expectDocumented('GET /api-keys/keys', await api('get', '/keys', plain));

      const secret = (method: 'get' | 'put' | 'delete', path: string) =>
        request(t.server)[method](`/api-keys${path}`).set('x-api-key', root);
      expectDocumented(
        'PUT /api-keys/owners/{ownerId}/secrets/{name}',
        await secret('put', '/owners/truth/secrets/stripe').send({ value: 'v-1' }),
      );
      expectDocumented('PUT /api-keys/owners/{ownerId}/secrets/{name}', await secret('put', '/owners/truth/secrets/stripe').send({}));
      expectDocumented(
        'PUT /api-keys/owners/{ownerId}/secrets/{name}',
        await secret('put', '/owners/truth/secrets/a%20b').send({ value: 'v' }),
      );
      expectDocumented('GET /api-keys/owners/{ownerId}/secrets/{name}', await secret('get', '/owners/truth/secrets/stripe'));
      expectDocumented('GET /api-keys/owners/{ownerId}/secrets/{name}', await secret('get', '/owners/truth/secrets/nope'));
      expectDocumented('GET /api-keys/owners/{ownerId}/secrets', await secret('get', '/owners/truth/secrets'));
      expectDocumented('GET /api-keys/secrets', await secret('get', '/secrets'));
      expectDocumented('PUT /api-keys/secrets/{name}', await secret('put', '/secrets/stripe').send({ value: 'v' }));
      const deleted = await secret('delete', '/owners/truth/secrets/stripe');
      expect({ status: deleted.status, documented: '204' in op('DELETE /api-keys/owners/{ownerId}/secrets/{name}').responses }).toEqual({
        status: 204,
        documented: true,
      });
      expectDocumented('DELETE /api-keys/owners/{ownerId}/secrets/{name}', await secret('delete', '/owners/truth/secrets/stripe'));
    });

    it('real answers of the RBAC routes, success and error, validate against the document', async () => {
      const api = (method: 'get' | 'post' | 'put' | 'delete', path: string) =>
        request(t.server)[method](`/api-keys${path}`).set('x-api-key', root);
      expectDocumented('POST /api-keys/permissions', await api('post', '/permissions').send({ name: 'truth:read', description: 'Read' }));
      expectDocumented('POST /api-keys/permissions', await api('post', '/permissions').send({ name: 'truth:write' }));
      expectDocumented('POST /api-keys/permissions', await api('post', '/permissions').send({ name: 'api_keys:read' }));
      const permissions = await api('get', '/permissions?limit=1');
      expect(permissions.body.nextCursor).toEqual(expect.any(String));
      expectDocumented('GET /api-keys/permissions', permissions);
      expectDocumented('GET /api-keys/permissions', await api('get', '/permissions?cursor=nope'));
      expectDocumented('POST /api-keys/roles', await api('post', '/roles').send({ name: 'truth-reader', permissions: ['truth:read'] }));
      expectDocumented('POST /api-keys/roles', await api('post', '/roles').send({ name: 'truth-reader' }));
      expectDocumented('GET /api-keys/roles', await api('get', '/roles'));

      const { apiKey } = await t.apiKeys.create({ ownerId: 'truth' });
      expectDocumented('PUT /api-keys/keys/{id}/roles', await api('put', `/keys/${apiKey.id}/roles`).send({ roles: ['truth-reader'] }));
      expectDocumented(
        'PUT /api-keys/keys/{id}/permissions',
        await api('put', `/keys/${apiKey.id}/permissions`).send({ permissions: ['truth:write'] }),
      );
      expectDocumented('PUT /api-keys/keys/{id}/roles', await api('put', `/keys/${UNKNOWN_ID}/roles`).send({ roles: [] }));
      const inUse = await api('delete', '/roles/truth-reader');
      expect(inUse.body.code).toBe('ROLE_IN_USE');
      expectDocumented('DELETE /api-keys/roles/{name}', inUse);
      expectDocumented('DELETE /api-keys/permissions/{name}', await api('delete', '/permissions/truth:write'));
      expectDocumented('DELETE /api-keys/permissions/{name}', await api('delete', '/permissions/no:such'));
      const rotated = await t.apiKeys.create({ ownerId: 'truth' });
      await t.apiKeys.rotate(rotated.apiKey.id);
      const refused = await api('put', `/keys/${rotated.apiKey.id}/permissions`).send({ permissions: [] });
      expect(refused.body.code).toBe('KEY_ROTATED');
      expectDocumented('PUT /api-keys/keys/{id}/permissions', refused);

      await api('put', `/keys/${apiKey.id}/roles`).send({ roles: [] }).expect(200);
      const deleted = await api('delete', '/roles/truth-reader');
      expect(deleted.status).toBe(204);
      expect(op('DELETE /api-keys/roles/{name}').responses['204'].content).toBeUndefined();
      expect(deleted.text).toBe('');
    });

    it('the bounds it states are the bounds validation enforces', async () => {
      const create = schema('CreateApiKeyDto').properties;
      const post = (body: object) =>
        request(t.server)
          .post('/api-keys/keys')
          .set('x-api-key', root)
          .send({ ownerId: 'bounds', ...body });
      const rejects = async (field: string, body: object) => {
        const res = await post(body);
        expect({ field, status: res.status, fields: res.body.errors?.map((e: any) => e.field) }).toEqual({
          field,
          status: 400,
          fields: expect.arrayContaining([field]),
        });
      };
      const accepts = async (field: string, body: object) => {
        const res = await post(body);
        expect({ field, status: res.status, body: res.status === 201 ? 'ok' : res.body }).toEqual({ field, status: 201, body: 'ok' });
      };

      await accepts('name', { name: 'n'.repeat(create.name.maxLength) });
      await rejects('name', { name: 'n'.repeat(create.name.maxLength + 1) });
      await rejects('ownerId', { ownerId: 'o'.repeat(create.ownerId.maxLength + 1) });
      await rejects('ownerId', { ownerId: 'o'.repeat(create.ownerId.minLength - 1) });
      await accepts('remaining', { remaining: create.remaining.maximum });
      await rejects('remaining', { remaining: create.remaining.maximum + 1 });
      await rejects('remaining', { remaining: create.remaining.minimum - 1 });
      await rejects('maxIdleMs', { maxIdleMs: create.maxIdleMs.minimum - 1 });
      const permissions = (n: number) => Array.from({ length: n }, (_, i) => `p${i}:read`);
      await accepts('permissions', { permissions: permissions(create.permissions.maxItems) });
      await rejects('permissions', { permissions: permissions(create.permissions.maxItems + 1) });
      await rejects('permissions', { permissions: [`p:${'x'.repeat(create.permissions.items.maxLength)}`] });
      await rejects('permissions', { permissions: ['not a name'] });
      expect(new RegExp(create.permissions.items.pattern).test('not a name')).toBe(false);
      const limits = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `l${i}`, limit: 1, windowMs: 1000 }));
      await accepts('rateLimits', { rateLimits: limits(create.rateLimits.maxItems) });
      await rejects('rateLimits', { rateLimits: limits(create.rateLimits.maxItems + 1) });
      await rejects('rateLimits.0.mode', { rateLimits: [{ name: 'a', limit: 1, windowMs: 1, mode: 'sometimes' }] });
      const refillIntervals = resolveRef(document, { $ref: '#/components/schemas/RefillDto' }).properties.interval.enum;
      await accepts('refill', { remaining: 1, refill: { amount: 1, interval: refillIntervals[0] } });
      await rejects('refill.interval', { remaining: 1, refill: { amount: 1, interval: 'yearly' } });
      await rejects('namespace', { namespace: 'has space' });
      expect(new RegExp(create.namespace.pattern).test('has space')).toBe(false);

      const list = Object.fromEntries(op('GET /api-keys/keys').parameters.map((p: any) => [p.name, p.schema]));
      const query = (q: string) => request(t.server).get(`/api-keys/keys?${q}`).set('x-api-key', root);
      expect((await query(`limit=${list.limit.maximum}`)).status).toBe(200);
      expect((await query(`limit=${list.limit.maximum + 1}`)).status).toBe(400);
      expect((await query(`limit=${list.limit.minimum - 1}`)).status).toBe(400);
      for (const status of list.status.enum) expect((await query(`status=${status}`)).status).toBe(200);
      expect((await query('status=deleted')).status).toBe(400);

      const permission = schema('CreatePermissionDto').properties;
      const define = (body: object) => request(t.server).post('/api-keys/permissions').set('x-api-key', root).send(body);
      expect((await define({ name: 'bounds:read', description: 'd'.repeat(permission.description.maxLength) })).status).toBe(201);
      expect((await define({ name: 'bounds:read', description: 'd'.repeat(permission.description.maxLength + 1) })).status).toBe(400);
      expect((await define({ name: `b:${'x'.repeat(permission.name.maxLength - 2)}` })).status).toBe(201);
      expect((await define({ name: `b:${'x'.repeat(permission.name.maxLength - 1)}` })).status).toBe(400);
      const roleBody = schema('CreateRoleDto').properties;
      const role = (n: number) =>
        request(t.server)
          .post('/api-keys/roles')
          .set('x-api-key', root)
          .send({ name: 'bounds-role', permissions: permissions(n) });
      expect((await role(roleBody.permissions.maxItems)).status).toBe(201);
      expect((await role(roleBody.permissions.maxItems + 1)).status).toBe(400);
    });
  });
});

describe('the document in a host with a global prefix and its own modules', () => {
  @Module({ controllers: [InvoicesController] })
  class InvoicesModule {}

  it('shows admin routes at their real paths, and `include` leaves them out of a public document', async () => {
    const database = await createTestDatabase();
    const moduleRef = await Test.createTestingModule({
      imports: [TypeOrmModule.forRoot(database.options), ApiKeysModule.forRoot({ admin: { path: 'api-keys' } }), InvoicesModule],
    }).compile();
    const app = moduleRef.createNestApplication();
    app.setGlobalPrefix('v1');
    await app.init();
    try {
      const config = addApiKeySecurity(new DocumentBuilder()).build();
      const paths = Object.keys(SwaggerModule.createDocument(app, config).paths);
      expect(paths).toEqual(
        expect.arrayContaining(['/v1/api-keys/keys', '/v1/api-keys/keys/{id}/rotate', '/v1/api-keys/verify', '/v1/invoices']),
      );
      expect((await request(app.getHttpServer()).get('/v1/api-keys/keys')).status).toBe(401); // the route the document names
      expect(Object.keys(SwaggerModule.createDocument(app, config, { include: [InvoicesModule] }).paths)).toEqual(['/v1/invoices']);
    } finally {
      await app.close();
      await database.drop();
    }
  });
});

describe('addApiKeySecurity', () => {
  it('adds the scheme with the given header and returns the builder for chaining', () => {
    const builder = new DocumentBuilder();
    expect(addApiKeySecurity(builder, { header: 'x-my-key' })).toBe(builder);
    expect(builder.setTitle('t').build().components!.securitySchemes).toEqual({
      'api-key': { type: 'apiKey', in: 'header', name: 'x-my-key', description: expect.any(String) },
    });
  });

  it('rejects a header that is not an HTTP field name', () => {
    for (const header of ['', 'x api key', 'x-key\r\nInjected: 1', 'é', 'x'.repeat(257)]) {
      expect(() => addApiKeySecurity(new DocumentBuilder(), { header })).toThrow(TypeError);
    }
  });
});
