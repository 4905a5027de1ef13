import { createRequire } from 'node:module';
import { Logger } from '@nestjs/common';
import type { PropertyOptions } from './openapi-schema.js';

/**
 * The part of `@nestjs/swagger` (11 and 12) this folder calls, typed structurally; a spec
 * checks the real module against it.
 * @internal
 */
export interface SwaggerApi {
  ApiProperty: (options: PropertyOptions) => PropertyDecorator;
  ApiResponse: (options: { status: number; description: string; type?: Function }) => MethodDecorator & ClassDecorator;
  ApiOperation: (options: { summary?: string; description?: string }) => MethodDecorator;
  ApiTags: (...tags: string[]) => MethodDecorator & ClassDecorator;
  ApiSecurity: (name: string, requirements?: string[]) => MethodDecorator & ClassDecorator;
  ApiSchema: (options: { name?: string; description?: string }) => ClassDecorator;
}

const SWAGGER_PACKAGE = '@nestjs/swagger';
let swagger: SwaggerApi | null | undefined;

/**
 * `@nestjs/swagger` when the host has it installed, else null; nothing of it is loaded then.
 * Synchronous, because documentation is written by decorators while classes are defined, before
 * any host code could await a dynamic import.
 * @internal
 */
export function loadSwagger(): SwaggerApi | null {
  if (swagger === undefined) swagger = tryLoadSwagger();
  return swagger;
}

function tryLoadSwagger(): SwaggerApi | null {
  const requireHere = ownRequire();
  try {
    requireHere.resolve(SWAGGER_PACKAGE);
  } catch {
    return null; // not installed: the optional peer is absent
  }
  try {
    return requireHere(SWAGGER_PACKAGE) as SwaggerApi;
  } catch (error) {
    // Installed but broken (e.g. a version for another Nest major): the app must still boot.
    new Logger('ApiKeysModule').warn(
      `${SWAGGER_PACKAGE} is installed but could not be loaded (${(error as Error).message}); ` +
        'the API key routes are left out of the OpenAPI document.',
    );
    return null;
  }
}

/**
 * A `require` that resolves from this file, as `import` would, in both ways the sources run.
 * Published (ESM): Node's createRequire, loading ESM swagger 12 through require(esm)
 * (Node ≥ 20.19) or CommonJS swagger 11 directly. Under Jest (sources compiled to CommonJS by
 * swc, which turns `import.meta.url` into this file's URL): Jest's own `node:module`, whose
 * createRequire answers a require bound to Jest's registry, so the test's SwaggerModule and
 * these decorators share one swagger.
 */
function ownRequire(): NodeJS.Require {
  return createRequire(import.meta.url);
}
