import { existsSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InstanceChecker, type DataSource } from 'typeorm';
import type { ApiKeysModuleOptions } from '../interfaces/api-keys-options.interface.js';
import { CliFailure } from './cli-errors.js';

const TYPESCRIPT_EXTENSIONS = new Set(['.ts', '.mts', '.cts']);

/**
 * Loads the `--data-source` module: its default export, its `dataSource` export, or (as
 * TypeORM's own CLI accepts) its only exported DataSource; a Promise of one is awaited.
 * @internal
 */
export async function loadDataSource(file: string): Promise<DataSource> {
  const flag = '--data-source';
  const exports = await importUserModule(flag, file);
  const named = await firstOf(exports, ['dataSource'], isDataSource);
  if (named) return named;
  const all: Array<[string, DataSource]> = [];
  for (const [name, value] of Object.entries(exports)) {
    const awaited = await settle(value);
    if (isDataSource(awaited)) all.push([name, awaited]);
  }
  if (all.length === 1) return all[0][1];
  if (all.length > 1) {
    throw new CliFailure(
      `${flag} ${file} exports several DataSources (${all.map(([name]) => name).join(', ')}): export the one to use as default or as dataSource.`,
    );
  }
  throw new CliFailure(`${flag} ${file} exports no TypeORM DataSource: export one as default or as dataSource.`);
}

/**
 * Loads the `--options` module: its `apiKeysOptions` export or its default export, an
 * options object or a (possibly async) function answering one, so that prefix and pepper
 * match the app's `ApiKeysModule.forRoot`.
 * @internal
 */
export async function loadApiKeysOptions(file: string): Promise<ApiKeysModuleOptions> {
  const flag = '--options';
  const exports = await importUserModule(flag, file);
  const found = await firstOf(
    exports,
    ['apiKeysOptions'],
    (value): value is unknown => isPlainObject(value) || typeof value === 'function',
  );
  if (found === undefined) {
    throw new CliFailure(`${flag} ${file} exports no options: export the ApiKeysModule options object as default or as apiKeysOptions.`);
  }
  let options: unknown = found;
  if (typeof options === 'function') {
    try {
      options = await (options as () => unknown)();
    } catch (error) {
      throw new CliFailure(`${flag} ${file}: its options function threw: ${(error as Error)?.message ?? String(error)}`, { cause: error });
    }
  }
  if (!isPlainObject(options)) throw new CliFailure(`${flag} ${file}: its options function must answer an options object.`);
  return options as ApiKeysModuleOptions;
}

async function importUserModule(flag: string, file: string): Promise<Record<string, unknown>> {
  const path = resolve(file);
  if (!existsSync(path)) throw new CliFailure(`${flag} ${file}: no such file (looked at ${path}).`);
  try {
    return (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as { code?: string })?.code;
    if (TYPESCRIPT_EXTENSIONS.has(extname(path)) && code === 'ERR_UNKNOWN_FILE_EXTENSION') {
      throw new CliFailure(
        `${flag} ${file}: Node cannot import TypeScript by itself; give the compiled .js file (e.g. dist/${basenameJs(file)}) ` +
          `or register a TypeScript loader with NODE_OPTIONS (see the README's CLI section).`,
        { cause: error },
      );
    }
    throw new CliFailure(`${flag} ${file} failed to load: ${(error as Error)?.message ?? String(error)}`, { cause: error });
  }
}

/**
 * The first export that passes `accept`, looking at the named exports, then the default
 * export; a CommonJS module's `module.exports` arrives as `default`, and TypeScript's
 * compiled `export default` as `default.default`.
 */
async function firstOf<T>(
  exports: Record<string, unknown>,
  names: string[],
  accept: (value: unknown) => value is T,
): Promise<T | undefined> {
  const commonJs = exports.default as Record<string, unknown> | undefined;
  const candidates: unknown[] = [];
  for (const name of names) candidates.push(exports[name], isObject(commonJs) ? commonJs[name] : undefined);
  if (isObject(commonJs) && commonJs.__esModule) candidates.push(commonJs.default);
  candidates.push(exports.default);
  for (const candidate of candidates) {
    const value = await settle(candidate);
    if (value !== undefined && accept(value)) return value;
  }
  return undefined;
}

/** A module may export a Promise (e.g. of an initialized DataSource): wait for it. */
async function settle(value: unknown): Promise<unknown> {
  return isObject(value) && typeof (value as { then?: unknown }).then === 'function' ? await value : value;
}

function isDataSource(value: unknown): value is DataSource {
  return isObject(value) && InstanceChecker.isDataSource(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function basenameJs(file: string): string {
  return file.replace(/^.*[\\/]/, '').replace(/\.[mc]?ts$/, '.js');
}
