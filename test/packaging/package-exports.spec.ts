import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The package's exports map, read from package.json: an ESM app imports it, a CommonJS app
// (Nest 11, Node >= 20.19) require()s it, and TypeScript finds declarations of the right
// module format for each. The packed tarball itself is checked by scripts/pack-smoke.sh.

const ROOT = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

type ExportTarget = string | null | ExportTarget[] | { [condition: string]: ExportTarget };

/** Node's conditional-exports resolution: the first key (in order) that matches wins. */
function resolveTarget(target: ExportTarget, conditions: string[]): string | undefined {
  if (typeof target === 'string') return target;
  if (target === null) return undefined;
  if (Array.isArray(target)) {
    for (const item of target) {
      const resolved = resolveTarget(item, conditions);
      if (resolved !== undefined) return resolved;
    }
    return undefined;
  }
  for (const [condition, next] of Object.entries(target)) {
    if (condition === 'default' || conditions.includes(condition)) {
      const resolved = resolveTarget(next, conditions);
      if (resolved !== undefined) return resolved;
    }
  }
  return undefined;
}

/** Every conditional object in the map, for the `types`-first rule. */
function conditionObjects(target: ExportTarget): Record<string, ExportTarget>[] {
  if (target === null || typeof target === 'string') return [];
  if (Array.isArray(target)) return target.flatMap(conditionObjects);
  return [target, ...Object.values(target).flatMap(conditionObjects)];
}

const ROOT_EXPORT = () => pkg.exports?.['.'] as ExportTarget;

// The condition sets Node and TypeScript (module node16/nodenext) resolve with.
const NODE_REQUIRE = ['require', 'node', 'module-sync'];
const NODE_IMPORT = ['import', 'node', 'module-sync'];
const TS_REQUIRE = ['types', 'require', 'node'];
const TS_IMPORT = ['types', 'import', 'node'];

describe('package.json exports', () => {
  it('has exactly one entry point, "."', () => {
    expect(Object.keys(pkg.exports)).toEqual(['.']);
  });

  it('lets require() load the ES module build (CommonJS apps, Node >= 20.19)', () => {
    expect(resolveTarget(ROOT_EXPORT(), NODE_REQUIRE)).toBe('./dist/index.js');
    // Without a `require` or `default` condition, require() throws ERR_PACKAGE_PATH_NOT_EXPORTED.
    expect(resolveTarget(ROOT_EXPORT(), ['require'])).toBe('./dist/index.js');
  });

  it('lets import load the same file (one module instance for both)', () => {
    expect(resolveTarget(ROOT_EXPORT(), NODE_IMPORT)).toBe('./dist/index.js');
    expect(pkg.type).toBe('module');
    expect(pkg.main).toBe('./dist/index.js');
  });

  it('gives TypeScript ESM declarations for import and CommonJS-format ones for require', () => {
    expect(resolveTarget(ROOT_EXPORT(), TS_IMPORT)).toBe('./dist/index.d.ts');
    expect(resolveTarget(ROOT_EXPORT(), TS_REQUIRE)).toBe('./dist/cjs-types/index.d.ts');
    // moduleResolution node10 ignores exports and reads the top-level field.
    expect(pkg.types).toBe('./dist/index.d.ts');
    // The copy is made by the build, which prepack runs.
    expect(pkg.scripts.build).toMatch(/^rm -rf dist && tsc -p tsconfig\.build\.json && .*node scripts\/emit-cjs-types\.mjs$/);
    expect(pkg.scripts.prepack).toBe('npm run build');
    expect(pkg.files).toEqual(['dist']);
  });

  it('lists `types` first wherever it appears, as TypeScript requires', () => {
    const objects = conditionObjects(ROOT_EXPORT()).filter((o) => 'types' in o);
    expect(objects.length).toBeGreaterThanOrEqual(2);
    for (const object of objects) expect(Object.keys(object)[0]).toBe('types');
  });

  it('the resolver above follows Node: a map with only `import` gives require() nothing', () => {
    const importOnly: ExportTarget = { types: './dist/index.d.ts', import: './dist/index.js' };
    expect(resolveTarget(importOnly, NODE_REQUIRE)).toBeUndefined();
    expect(resolveTarget(importOnly, NODE_IMPORT)).toBe('./dist/index.js');
  });
});

describe('package.json exports under a real Node process', () => {
  // A stand-in install: this package.json over a tiny ES module, required and imported by a
  // separate node process, so Node's own resolver and require(esm) are what is tested.
  let app: string;
  beforeAll(() => {
    app = mkdtempSync(join(tmpdir(), 'nest-api-keys-exports-'));
    const installed = join(app, 'node_modules', 'nest-api-keys');
    mkdirSync(join(installed, 'dist'), { recursive: true });
    writeFileSync(join(installed, 'package.json'), JSON.stringify(pkg));
    writeFileSync(join(installed, 'dist', 'index.js'), "export const format = 'esm';\nexport class ApiKeysModule {}\n");
  });
  afterAll(() => rmSync(app, { recursive: true, force: true }));

  const node = (args: string[]) =>
    execFileSync(process.execPath, args, { cwd: app, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

  it('require() from a CommonJS file gets the ES module namespace', () => {
    writeFileSync(join(app, 'consumer.cjs'), "const m = require('nest-api-keys'); console.log(m.format, typeof m.ApiKeysModule);\n");
    expect(node(['consumer.cjs'])).toBe('esm function');
  });

  it('import from an ES module gets the same file', () => {
    writeFileSync(
      join(app, 'consumer.mjs'),
      "import { format, ApiKeysModule } from 'nest-api-keys'; console.log(format, typeof ApiKeysModule);\n",
    );
    expect(node(['consumer.mjs'])).toBe('esm function');
  });

  it('deep paths stay blocked for both', () => {
    writeFileSync(
      join(app, 'deep.cjs'),
      "try { require('nest-api-keys/dist/index.js'); console.log('ALLOWED'); } catch (e) { console.log(e.code); }\n",
    );
    expect(node(['deep.cjs'])).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
    writeFileSync(
      join(app, 'deep.mjs'),
      "import('nest-api-keys/dist/index.js').then(() => console.log('ALLOWED'), (e) => console.log(e.code));\n",
    );
    expect(node(['deep.mjs'])).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
  });
});
