import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

// CommonJS apps load this ES module with require() (Node >= 20.19). require() refuses a module
// graph that uses top-level await (ERR_REQUIRE_ASYNC_MODULE), so no library file may have one.
// Found with the TypeScript parser: an `await` (or `for await`) outside every function body.

const LIB = join(__dirname, '..', '..', 'lib');

/** `line:column` of every top-level await in a source text. */
function topLevelAwaits(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) || ts.isClassStaticBlockDeclaration(node)) return; // await here is not top-level
    const isAwait = ts.isAwaitExpression(node) || (ts.isForOfStatement(node) && node.awaitModifier !== undefined);
    if (isAwait) {
      const { line, character } = source.getLineAndCharacterOfPosition(node.getStart(source));
      found.push(`${line + 1}:${character + 1}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const libraryFiles = () =>
  readdirSync(LIB, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts') && !file.endsWith('.d.ts'))
    // The bin (`nest-api-keys`) runs as an ES module entry point, never require()d: it may await.
    .filter((file) => file !== join('cli', 'main.ts'))
    .map((file) => join(LIB, file));

describe('require(esm) compatibility of lib/', () => {
  it('the scan finds top-level await, and only that', () => {
    const text = [
      'const a = await load();', // 1
      'for await (const x of stream) use(x);', // 2
      'async function f() { await g(); for await (const y of s) {} }',
      'const h = async () => await g();',
      'class C { async m() { await g(); } static { } }',
      'export default { p: await q() };', // 6
    ].join('\n');
    expect(topLevelAwaits('sample.ts', text)).toEqual(['1:11', '2:1', '6:21']);
  });

  it('no library file has a top-level await', () => {
    const files = libraryFiles();
    expect(files.length).toBeGreaterThan(50);
    const offenders = files.flatMap((file) => topLevelAwaits(file, readFileSync(file, 'utf8')).map((at) => `${relative(LIB, file)}:${at}`));
    expect(offenders).toEqual([]);
  });
});
