import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { API_KEYS_ENTITIES, API_KEYS_MIGRATIONS } from '../../lib/index.js';
import { REPO_ROOT } from './build-library.js';
import type { TestDatabase } from './databases.js';

/** What test/fixtures/cache-instance.mjs takes. */
export interface InstanceConfig {
  name: string;
  redis: { host: string; port: number } | null;
  channel: string;
  ioredis: 5 | 6;
  cache: Record<string, number> | false;
}

/**
 * One app instance in a process of its own (test/fixtures/cache-instance.mjs on the built
 * library), on the suite's database: what two hosts behind a balancer are. Call buildLibrary()
 * first. Operations go over IPC; HTTP goes to `url`.
 */
export class AppInstance {
  private next = 0;
  private readonly pending = new Map<number, { resolve: (value: any) => void; reject: (error: Error) => void }>();

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {
    child.on('message', (message: { id?: number; result?: unknown; error?: string }) => {
      const waiting = message.id === undefined ? undefined : this.pending.get(message.id);
      if (!waiting) return;
      this.pending.delete(message.id!);
      if (message.error) waiting.reject(new Error(message.error));
      else waiting.resolve(message.result);
    });
  }

  static start(database: TestDatabase, config: InstanceConfig): Promise<AppInstance> {
    const child = fork(join(REPO_ROOT, 'test/fixtures/cache-instance.mjs'), [], {
      env: { ...process.env, API_KEYS_INSTANCE: JSON.stringify({ ...config, db: plainOptions(database.options) }) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new Promise((resolve, reject) => {
      const failed = (code: number | null) => reject(new Error(`instance ${config.name} exited early (${code})`));
      child.once('exit', failed);
      child.once('error', reject);
      child.once('message', (message: { ready?: boolean; url?: string }) => {
        child.off('exit', failed);
        if (message.ready) resolve(new AppInstance(child, message.url!));
        else reject(new Error(`instance ${config.name} said ${JSON.stringify(message)}`));
      });
    });
  }

  call<T = any>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    const id = ++this.next;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, op, ...args });
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    await this.call('stop').catch(() => undefined);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

/** The database's connection options as JSON can carry them (the instance adds its own entities). */
function plainOptions(options: DataSourceOptions): Record<string, unknown> {
  const { entities: _entities, migrations: _migrations, logger: _logger, ...plain } = options as unknown as Record<string, unknown>;
  return plain;
}

/** Runs the library's migrations on the database once, before instances boot side by side. */
export async function migrate(database: TestDatabase): Promise<void> {
  const dataSource = new DataSource({
    ...database.options,
    entities: [...API_KEYS_ENTITIES],
    migrations: [...API_KEYS_MIGRATIONS],
    migrationsRun: true,
  } as DataSourceOptions);
  await dataSource.initialize();
  await dataSource.destroy();
}
