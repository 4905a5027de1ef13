// Lint rules that hold the shape of the codebase (run by `npm test`): typescript-eslint's
// recommended set, no import cycles, and contracts in lib/interfaces that import no
// implementation. Formatting is Prettier's job (eslint-config-prettier turns off the rules it owns).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { importX } from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'dist-sample/', 'node_modules/', 'coverage/', '.sample-data/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.js', '.mjs', '.cjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './lib/interfaces',
              from: './lib',
              except: ['./interfaces'],
              message: 'lib/interfaces holds contracts only: import from other interfaces, never implementation code.',
            },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // Requests of Express, Fastify, GraphQL and WebSocket contexts reach the guard and the
      // admin controllers untyped, as in Nest's own guards; `any` marks those edges.
      '@typescript-eslint/no-explicit-any': 'off',
      // TypeORM types entity classes and migrations as `Function` (DataSourceOptions.entities).
      '@typescript-eslint/no-unsafe-function-type': 'off',
      // Identifier and CLI input checks match control characters on purpose, to reject them.
      'no-control-regex': 'off',
    },
  },
  { files: ['lib/admin/ui/page/**/*.ts', 'test/**/*.browser-spec.ts'], languageOptions: { globals: { ...globals.browser } } },
  prettier,
);
