// Jest resolver of the no-swagger project: @nestjs/swagger resolves as if it were not
// installed, as in a host without the optional peer; everything else resolves as usual.
const MISSING = /^@nestjs\/swagger(\/|$)/;

module.exports = (request, options) => {
  if (MISSING.test(request)) {
    throw Object.assign(new Error(`Cannot find module '${request}' from '${options.basedir}'`), { code: 'MODULE_NOT_FOUND' });
  }
  return options.defaultResolver(request, options);
};
