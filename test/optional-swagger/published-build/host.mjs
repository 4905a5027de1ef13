// A host app in plain ESM JavaScript on the published build (dist), as an app that installed
// the package would run it. With WITH_SWAGGER=1 it imports @nestjs/swagger itself and prints
// its OpenAPI document; either way it boots, creates a key and calls guarded routes.
// Usage: node host.mjs <path to the built index.js>
import 'reflect-metadata';
import { createRequire } from 'node:module';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';

const lib = await import(process.argv[2]);
const { API_KEYS_ENTITIES, ApiKeysModule, ApiKeyAuth, ApiKeyService, RequirePermissions, addApiKeySecurity } = lib;

// Decorators applied by hand: plain JavaScript has no decorator syntax.
class InvoicesController {
  list() {
    return { invoices: [] };
  }
}
Get()(InvoicesController.prototype, 'list', Object.getOwnPropertyDescriptor(InvoicesController.prototype, 'list'));
RequirePermissions('billing:read')(InvoicesController);
ApiKeyAuth()(InvoicesController);
Controller('invoices')(InvoicesController);

class AppModule {}
Module({
  imports: [
    TypeOrmModule.forRoot({ type: 'better-sqlite3', database: ':memory:', entities: [...API_KEYS_ENTITIES], synchronize: true }),
    ApiKeysModule.forRoot({ admin: { path: 'api-keys' } }),
  ],
  controllers: [InvoicesController],
})(AppModule);

const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
await app.listen(0, '127.0.0.1');
const base = `http://127.0.0.1:${app.getHttpServer().address().port}`;
const apiKeys = app.get(ApiKeyService);
const { key: root } = await apiKeys.create({ ownerId: 'ops', permissions: ['api_keys:admin'] });
const { key } = await apiKeys.create({ ownerId: 'acme', permissions: ['billing:read'] });
const call = async (path, headers = {}, init = {}) => {
  const res = await fetch(base + path, { headers: { 'content-type': 'application/json', ...headers }, ...init });
  return { status: res.status, body: await res.json() };
};

const result = {
  noKey: await call('/invoices'),
  withKey: await call('/invoices', { 'x-api-key': key }),
  adminCreate: (await call('/api-keys/keys', { 'x-api-key': root }, { method: 'POST', body: JSON.stringify({ ownerId: 'acme' }) })).status,
  adminInvalid: await call(
    '/api-keys/keys',
    { 'x-api-key': root },
    { method: 'POST', body: JSON.stringify({ ownerId: 'acme', bogus: 1 }) },
  ),
  // Files of @nestjs/swagger in the CommonJS cache (require(esm) registers ESM swagger there too).
  swaggerFilesLoaded: Object.keys(createRequire(import.meta.url).cache).filter((file) => file.includes('/@nestjs/swagger/')).length,
};
if (process.env.WITH_SWAGGER === '1') {
  const { DocumentBuilder, SwaggerModule } = await import('@nestjs/swagger');
  result.document = SwaggerModule.createDocument(
    app,
    addApiKeySecurity(new DocumentBuilder().setTitle('host'), { header: 'x-api-key' }).build(),
  );
}
await app.close();
process.stdout.write(JSON.stringify(result));
