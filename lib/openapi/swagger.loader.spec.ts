import 'reflect-metadata';
import * as swagger from '@nestjs/swagger';
import { loadSwagger, type SwaggerApi } from './swagger.loader.js';

// Compile-time: the real module (11 and 12 share these signatures) satisfies the subset we call.
const real: SwaggerApi = swagger;

describe('loadSwagger', () => {
  it('answers the same @nestjs/swagger the host imports (one registry, one metadata store)', () => {
    const loaded = loadSwagger();
    expect(loaded).not.toBeNull();
    for (const name of Object.keys(real) as (keyof SwaggerApi)[]) expect(loaded![name]).toBe(real[name]);
  });
});
