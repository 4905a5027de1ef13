#!/usr/bin/env node
// Builds the admin page into OUT_DIR (default dist/admin/ui/page): type-checks and compiles
// its TypeScript (tsconfig.page.json) to ES modules and copies its HTML, CSS and icon. The
// package build, the sample build and the browser test suite all build the page this way.
//
// Usage: node scripts/build-admin-page.mjs [OUT_DIR]
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const sourceDir = join(root, 'lib/admin/ui/page');
const outDir = resolve(process.argv[2] ?? join(root, 'dist/admin/ui/page'));

const configPath = join(root, 'tsconfig.page.json');
const config = ts.getParsedCommandLineOfConfigFile(
  configPath,
  { outDir },
  {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => fail([diagnostic]),
  },
);
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
const program = ts.createProgram(config.fileNames, config.options);
const emitted = program.emit();
const diagnostics = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics];
if (diagnostics.length > 0) fail(diagnostics);

for (const name of readdirSync(sourceDir)) {
  if (/\.(html|css|svg)$/.test(name)) copyFileSync(join(sourceDir, name), join(outDir, name));
}

function fail(diagnostics) {
  process.stderr.write(
    ts.formatDiagnosticsWithColorAndContext(diagnostics, {
      getCanonicalFileName: (f) => f,
      getCurrentDirectory: () => root,
      getNewLine: () => '\n',
    }),
  );
  process.exit(1);
}
