import { Controller, Get } from '@nestjs/common';
import request from 'supertest';
import { KeysAdminController } from '../../lib/admin/keys-admin.controller.js';
import { VerifyAdminController } from '../../lib/admin/verify-admin.controller.js';
import {
  ApiKeyAuth,
  CreateApiKeyDto,
  ListApiKeysQueryDto,
  RateLimitDto,
  RefillDto,
  RequirePermissions,
  UpdateApiKeyDto,
  VerifyApiKeyDto,
} from '../../lib/index.js';
import { ApiKeyModel, VerifyResultModel } from '../../lib/openapi/response.models.js';
import { loadSwagger } from '../../lib/openapi/swagger.loader.js';
import { createTestApp, PLATFORMS, type TestApp } from '../utils/test-app.js';

// A host without @nestjs/swagger (this Jest project resolves it as not installed): the package
// imports, boots and guards as usual, and writes no swagger metadata anywhere.

@Controller('invoices')
@ApiKeyAuth()
@RequirePermissions('billing:read')
class InvoicesController {
  @Get()
  list() {
    return { invoices: [] };
  }
}

/** Every reflect-metadata key on a class, its prototype and its members that swagger would read. */
function swaggerKeys(type: Function): string[] {
  const prototype = type.prototype;
  const members = Object.getOwnPropertyNames(prototype);
  const keys = [
    ...Reflect.getMetadataKeys(type),
    ...Reflect.getMetadataKeys(prototype),
    ...members.flatMap((member) => Reflect.getMetadataKeys(prototype, member)),
    ...members.flatMap((member) => (typeof prototype[member] === 'function' ? Reflect.getMetadataKeys(prototype[member]) : [])),
  ];
  return keys.filter((key) => String(key).startsWith('swagger/'));
}

it('runs where @nestjs/swagger cannot be resolved', () => {
  expect(() => require.resolve('@nestjs/swagger')).toThrow(/Cannot find module '@nestjs\/swagger'/);
  expect(loadSwagger()).toBeNull();
});

it('writes no swagger metadata on admin controllers, DTOs, models or @ApiKeyAuth() routes', () => {
  const documented = [
    KeysAdminController,
    VerifyAdminController,
    CreateApiKeyDto,
    UpdateApiKeyDto,
    ListApiKeysQueryDto,
    VerifyApiKeyDto,
    RefillDto,
    RateLimitDto,
    ApiKeyModel,
    VerifyResultModel,
    InvoicesController,
  ];
  for (const type of documented) expect({ type: type.name, keys: swaggerKeys(type) }).toEqual({ type: type.name, keys: [] });
  // ... while the Nest metadata is all there: the guard of @ApiKeyAuth() and the admin binding.
  expect(Reflect.getMetadata('__guards__', InvoicesController)).toHaveLength(1);
  expect(Reflect.getMetadata('__guards__', KeysAdminController)).toHaveLength(1);
  expect(Reflect.getMetadata('path', KeysAdminController)).toBe('keys');
});

describe.each(PLATFORMS)('the app without swagger on %s', (platform) => {
  let t: TestApp;
  let root: string;
  beforeAll(async () => {
    t = await createTestApp({ platform, structural: { admin: { path: 'api-keys' } }, controllers: [InvoicesController] });
    ({ key: root } = await t.apiKeys.create({ ownerId: 'ops', permissions: ['api_keys:admin'] }));
  });
  afterAll(() => t.close());

  it('boots, and @ApiKeyAuth() guards like @UseGuards(ApiKeyGuard)', async () => {
    const missing = await request(t.server).get('/invoices').expect(401);
    expect(missing.body).toEqual({ statusCode: 401, error: 'Unauthorized', code: 'MISSING', message: expect.any(String) });
    const { key } = await t.apiKeys.create({ ownerId: 'acme', permissions: ['billing:read'] });
    await request(t.server).get('/invoices').set('x-api-key', key).expect(200, { invoices: [] });
    const denied = await request(t.server).get('/invoices').set('x-api-key', root).expect(403);
    expect(denied.body.code).toBe('INSUFFICIENT_PERMISSIONS');
  });

  it('serves the admin API with its validation, errors and root-key protection', async () => {
    const created = await request(t.server).post('/api-keys/keys').set('x-api-key', root).send({ ownerId: 'acme', name: 'k' }).expect(201);
    expect(created.body.apiKey).toMatchObject({ ownerId: 'acme', name: 'k', status: 'active' });
    expect(created.body.apiKey).not.toHaveProperty('hash');
    const invalid = await request(t.server).post('/api-keys/keys').set('x-api-key', root).send({ ownerId: 'acme', bogus: 1 }).expect(400);
    expect(invalid.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'bogus', messages: [expect.any(String)] }] });
    await request(t.server).get('/api-keys/keys').expect(401);
    const verified = await request(t.server).post('/api-keys/verify').set('x-api-key', root).send({ key: created.body.key }).expect(200);
    expect(verified.body).toMatchObject({ valid: true, code: 'VALID' });
    const row = await t.dataSource.query('SELECT owner_id FROM api_keys WHERE id = ?', [created.body.apiKey.id]);
    expect(row).toHaveLength(1);
  });
});
