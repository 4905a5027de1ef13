import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import { CLI_BIN, REPO_ROOT } from './build-library.js';

/** What one run of the bin did. */
export interface CliRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * A temporary folder laid out like a user's app: `node_modules/typeorm` and
 * `node_modules/nest-api-keys` (this repository, resolved through its package.json exports
 * to the built dist/), so that DataSource and options files written here import the package
 * by name, exactly as the README shows them.
 */
export class CliWorkspace {
  readonly dir = mkdtempSync(join(tmpdir(), 'ak-cli-'));

  constructor() {
    mkdirSync(join(this.dir, 'node_modules'));
    symlinkSync(join(REPO_ROOT, 'node_modules/typeorm'), join(this.dir, 'node_modules/typeorm'), 'dir');
    symlinkSync(REPO_ROOT, join(this.dir, 'node_modules/nest-api-keys'), 'dir');
  }

  /** Writes a file into the workspace and answers its name (relative, as a user types it). */
  write(name: string, content: string): string {
    writeFileSync(join(this.dir, name), content);
    return name;
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  /**
   * An ESM DataSource file on these connection options with `API_KEYS_ENTITIES`, in the
   * shape TypeORM's CLI takes; `exportAs` picks the export (default, `dataSource`, or a name
   * of the user's own such as `AppDataSource`).
   */
  writeDataSource(name: string, connection: Record<string, unknown>, exportAs = 'default'): string {
    const value = `new DataSource({ ...${JSON.stringify(connection)}, entities: [...API_KEYS_ENTITIES] })`;
    return this.write(
      name,
      `import { DataSource } from 'typeorm';
import { API_KEYS_ENTITIES } from 'nest-api-keys';
${exportAs === 'default' ? `export default ${value};` : `export const ${exportAs} = ${value};`}
`,
    );
  }

  /** Runs the built bin in this folder. */
  run(args: string[], options: { timeoutMs?: number } = {}): Promise<CliRun> {
    return runProcess(process.execPath, [CLI_BIN, ...args], this.dir, options.timeoutMs);
  }

  /**
   * Runs the bin once per argument list, a few at a time: dozens of Node processes at once on a
   * two-core machine time out together, while the answers are the same either way.
   */
  async runAll(argumentLists: string[][], concurrency = 3): Promise<CliRun[]> {
    const runs: CliRun[] = new Array(argumentLists.length);
    let next = 0;
    const worker = async () => {
      while (next < argumentLists.length) {
        const index = next++;
        runs[index] = await this.run(argumentLists[index]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, argumentLists.length) }, worker));
    return runs;
  }

  /** Runs a `sh -c` script in this folder, with `$NODE` and `$CLI` (the bin) set: `"$NODE" "$CLI" …`. */
  shell(script: string): Promise<CliRun> {
    return runProcess('/bin/sh', ['-c', script], this.dir, undefined, { NODE: process.execPath, CLI: CLI_BIN });
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The connection part of a lane's DataSource options (no entities, no synchronize). */
export function connectionOf(options: DataSourceOptions): Record<string, unknown> {
  // Classes (entities, migrations) cannot travel as JSON: the generated file imports them.
  const {
    entities: _entities,
    migrations: _migrations,
    migrationsRun: _run,
    synchronize: _synchronize,
    ...connection
  } = options as DataSourceOptions & Record<string, unknown>;
  return connection;
}

function runProcess(command: string, args: string[], cwd: string, timeoutMs = 60_000, env: Record<string, string> = {}): Promise<CliRun> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    // NODE_OPTIONS from the test runner must not reach the CLI; FORCE_COLOR would colour logs.
    const { NODE_OPTIONS: _nodeOptions, FORCE_COLOR: _forceColor, ...inherited } = process.env;
    const child = spawn(command, args, { cwd, env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}
