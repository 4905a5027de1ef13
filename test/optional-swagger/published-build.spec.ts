import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { buildLibrary } from '../utils/build-library.js';

// The published ESM build in real Node processes (no Jest, no transform): the optional load of
// @nestjs/swagger through createRequire(import.meta.url), with swagger installed and with it
// unresolvable. Runs dist/ as buildLibrary() builds it with the package's own
// tsconfig.build.json (once per run, shared with the CLI and multi-process suites).

const run = promisify(execFile);
const repo = join(__dirname, '..', '..');
const outDir = join(repo, 'dist');
const host = join(__dirname, 'published-build', 'host.mjs');
const blockSwagger = join(__dirname, 'published-build', 'block-swagger.mjs');

interface HostResult {
  noKey: { status: number; body: any };
  withKey: { status: number; body: any };
  adminCreate: number;
  adminInvalid: { status: number; body: any };
  swaggerFilesLoaded: number;
  document?: any;
}

async function runHost(options: { withSwagger: boolean }): Promise<{ result: HostResult; stderr: string }> {
  const args = [
    ...(options.withSwagger ? [] : ['--import', pathToFileURL(blockSwagger).href]),
    host,
    pathToFileURL(join(outDir, 'index.js')).href,
  ];
  const { stdout, stderr } = await run(process.execPath, args, {
    cwd: repo,
    env: { ...process.env, WITH_SWAGGER: options.withSwagger ? '1' : '0' },
    timeout: 60_000,
  });
  return { result: JSON.parse(stdout), stderr };
}

function declarationFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? declarationFiles(join(dir, entry.name)) : entry.name.endsWith('.d.ts') ? [join(dir, entry.name)] : [],
  );
}

beforeAll(() => buildLibrary(), 240_000);

it('no declaration file imports @nestjs/swagger, so hosts without it type-check', () => {
  const files = declarationFiles(outDir);
  expect(files.length).toBeGreaterThan(50);
  const importsSwagger = /(from\s*|import\(\s*)['"]@nestjs\/swagger/;
  expect(files.filter((file) => importsSwagger.test(readFileSync(file, 'utf8')))).toEqual([]);
});

it('without @nestjs/swagger: boots, guards and serves the admin API, loading nothing of swagger', async () => {
  const { result, stderr } = await runHost({ withSwagger: false });
  expect(result.noKey).toEqual({ status: 401, body: expect.objectContaining({ code: 'MISSING' }) });
  expect(result.withKey).toEqual({ status: 200, body: { invoices: [] } });
  expect(result.adminCreate).toBe(201);
  expect(result.adminInvalid).toEqual({ status: 400, body: expect.objectContaining({ code: 'VALIDATION_FAILED' }) });
  expect(result.swaggerFilesLoaded).toBe(0);
  expect(result.document).toBeUndefined();
  expect(stderr).not.toMatch(/swagger/i);
});

it('with @nestjs/swagger: the host document has the admin routes, their schemas and @ApiKeyAuth() routes', async () => {
  const { result, stderr } = await runHost({ withSwagger: true });
  expect(stderr).toBe('');
  expect(result.noKey.status).toBe(401);
  expect(result.withKey.status).toBe(200);
  expect(result.swaggerFilesLoaded).toBeGreaterThan(0); // loaded by the package, before the host's own import
  const { paths, components } = result.document;
  const admin = Object.entries<any>(paths).flatMap(([path, item]) =>
    Object.entries<any>(item)
      .filter(([, op]) => op.tags?.includes('api-keys'))
      .map(([method]) => `${method.toUpperCase()} ${path}`),
  );
  expect(admin).toEqual(
    expect.arrayContaining(['POST /api-keys/keys', 'GET /api-keys/keys', 'PATCH /api-keys/keys/{id}', 'POST /api-keys/verify']),
  );
  expect(paths['/api-keys/keys'].post.security).toEqual([{ 'api-key': [] }]);
  expect(paths['/api-keys/keys'].post.responses['201'].content['application/json'].schema).toEqual({
    $ref: '#/components/schemas/CreatedApiKey',
  });
  expect(components.schemas.CreateApiKeyDto.properties.ownerId).toMatchObject({ type: 'string', minLength: 1, maxLength: 128 });
  expect(components.schemas.ApiKey.properties).not.toHaveProperty('hash');
  expect(paths['/invoices'].get.security).toEqual([{ 'api-key': [] }]);
  expect(Object.keys(paths['/invoices'].get.responses).sort()).toEqual(['200', '401', '403', '429', '503']);
  expect(components.securitySchemes['api-key']).toMatchObject({ type: 'apiKey', in: 'header', name: 'x-api-key' });
});
