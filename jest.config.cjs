// Jest runs in CommonJS mode: @swc/jest transforms our TypeScript and the ESM-only Nest 12
// packages (native-ESM Jest cannot load @nestjs/throttler on Node 20).
// The e2e suites run once per database lane (SQLite, PostgreSQL, MariaDB); unit specs and the
// packaging checks (test/packaging: exports map, require(esm) compatibility) once.
// API_KEYS_TEST_LANES=sqlite limits the lanes for a quick local run.
// The no-swagger project runs once, on SQLite, in a context where @nestjs/swagger (an optional
// peer) cannot be resolved, as in a host that does not install it.
// The admin page's browser suite (*.browser-spec.ts, real Chromium) runs once, on SQLite: it
// tests the page, and the admin API under it is covered on every lane.
const base = {
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  transform: {
    '^.+\\.(t|j|mj)s$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  transformIgnorePatterns: [
    '/node_modules/(?!(.*/node_modules/)?(@nestjs|file-type|strtok3|token-types|@tokenizer|uint8array-extras|@borewit|cookie|toad-cache|set-cookie-parser)/)',
  ],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
};

const lanes = (process.env.API_KEYS_TEST_LANES || 'sqlite,postgres,mariadb')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);

module.exports = {
  testTimeout: 60000,
  // Longest suites first, also in a clean clone where Jest has no recorded durations.
  testSequencer: '<rootDir>/test/utils/sequencer.mjs',
  projects: [
    { ...base, displayName: 'unit', roots: ['<rootDir>/lib'], testRegex: '\\.spec\\.ts$' },
    {
      ...base,
      displayName: 'no-swagger',
      roots: ['<rootDir>/test/optional-swagger'],
      testRegex: '\\.spec\\.ts$',
      setupFiles: ['<rootDir>/test/utils/lane-sqlite.cjs'],
      resolver: '<rootDir>/test/utils/resolver-without-swagger.cjs',
    },
    { ...base, displayName: 'packaging', roots: ['<rootDir>/test/packaging'], testRegex: '\\.spec\\.ts$' },
    ...lanes.map((lane) => ({
      ...base,
      displayName: lane,
      roots: ['<rootDir>/test'],
      testRegex: '\\.e2e-spec\\.ts$',
      setupFiles: [`<rootDir>/test/utils/lane-${lane}.cjs`],
    })),
    {
      ...base,
      displayName: 'browser',
      roots: ['<rootDir>/test'],
      testRegex: '\\.browser-spec\\.ts$',
      setupFiles: ['<rootDir>/test/utils/lane-sqlite.cjs'],
    },
  ],
};
