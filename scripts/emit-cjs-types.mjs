// Copies the compiled declarations (dist/**/*.d.ts) to dist/cjs-types/ and marks that folder
// CommonJS. The package is ESM, and Node >= 20.19 lets a CommonJS app require() it, but
// TypeScript only allows that from module nodenext on TypeScript >= 5.8: module node16, or
// nodenext on TypeScript 5.7 (the oldest the Nest 11 starter accepts), refuse to import
// ESM-format declarations from a CommonJS file (TS1479). The exports map's `require`
// condition points at this CommonJS-format copy, so those consumers type-check too; the
// declarations are identical, only their module format differs. Run after `tsc` (npm run build).
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const target = join(dist, 'cjs-types');

if (!existsSync(join(dist, 'index.d.ts'))) {
  process.stderr.write('dist/index.d.ts is missing: run tsc -p tsconfig.build.json first\n');
  process.exit(1);
}
rmSync(target, { recursive: true, force: true });
const declarations = readdirSync(dist, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.d.ts'));
for (const file of declarations) {
  mkdirSync(dirname(join(target, file)), { recursive: true });
  copyFileSync(join(dist, file), join(target, file));
}
writeFileSync(join(target, 'package.json'), `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);
process.stdout.write(`${declarations.length} CommonJS declarations in ${relative(process.cwd(), target)}\n`);
