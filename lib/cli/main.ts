#!/usr/bin/env node
// The `nest-api-keys` bin. Loads reflect-metadata before anything decorated, runs one
// command and exits with its status once stdout and stderr are flushed (an options file
// may hold open handles, such as a Redis client, that would keep the process alive).
import 'reflect-metadata';
import { createRequire } from 'node:module';
import { runCli } from './cli.js';
import type { CliEnvironment } from './cli-command.js';
import { processOutput } from './cli-logger.js';

// Nest, TypeORM and the library load only for a command that reaches the database, so that
// --help and argument mistakes answer at once.
const openSessionLazily: CliEnvironment['openSession'] = async (config) => (await import('./cli-session.js')).openCliSession(config);
const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };
const status = await runCli(process.argv.slice(2), { output: processOutput, openSession: openSessionLazily }, version);
const flushed = (stream: NodeJS.WriteStream) => new Promise<void>((resolve) => stream.write('', () => resolve()));
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(status);
