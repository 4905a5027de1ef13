// Preload (node --import) that makes @nestjs/swagger resolve as if it were not installed, for
// `import` (an ESM resolve hook) and `require`/createRequire (the CommonJS resolver) alike.
import Module, { register } from 'node:module';

const MISSING = /^@nestjs\/swagger(\/|$)/;

register(
  'data:text/javascript,' +
    encodeURIComponent(`
      export async function resolve(specifier, context, next) {
        if (${MISSING}.test(specifier)) {
          throw Object.assign(new Error("Cannot find package '" + specifier + "'"), { code: 'ERR_MODULE_NOT_FOUND' });
        }
        return next(specifier, context);
      }`),
);

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (MISSING.test(request)) throw Object.assign(new Error(`Cannot find module '${request}'`), { code: 'MODULE_NOT_FOUND' });
  return resolveFilename.call(this, request, ...rest);
};
