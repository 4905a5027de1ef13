import { ConsoleLogger, type LoggerService, type LogLevel } from '@nestjs/common';
import type { Logger as TypeOrmLogger } from 'typeorm';
import { describeError } from './cli-errors.js';

/**
 * Where the CLI's diagnostics go: stderr only, so that stdout carries nothing but the
 * command's answer (the raw key of `create-key`).
 * @internal
 */
export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

/** The process streams. @internal */
export const processOutput: CliOutput = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/**
 * Nest's logger for the CLI. Quiet by default: boot chatter is dropped, warnings and runtime
 * errors become one `nest-api-keys:` line each, and boot failures are left to the CLI's own
 * one-line message (Nest logs them through `ExceptionHandler` and then rethrows them).
 * `--verbose` prints Nest's usual log, stack traces included, on stderr.
 * @internal
 */
export function createNestLogger(output: CliOutput, verbose: boolean): LoggerService {
  return verbose ? new StderrConsoleLogger({ colors: Boolean(process.stderr.isTTY) }) : new QuietNestLogger(output);
}

class StderrConsoleLogger extends ConsoleLogger {
  protected override printMessages(
    messages: unknown[],
    context?: string,
    logLevel?: LogLevel,
    _writeStreamType?: 'stdout' | 'stderr',
    errorStack?: unknown,
    params?: Record<string, any>,
  ): void {
    super.printMessages(messages, context, logLevel, 'stderr', errorStack, params);
  }
}

class QuietNestLogger implements LoggerService {
  constructor(private readonly output: CliOutput) {}

  log(): void {}
  debug(): void {}
  verbose(): void {}

  warn(message: unknown): void {
    this.output.err(`nest-api-keys: warning: ${describeError(message)}\n`);
  }

  error(message: unknown, ...params: unknown[]): void {
    if (params[params.length - 1] === 'ExceptionHandler') return;
    this.output.err(`nest-api-keys: ${describeError(message)}\n`);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.error(message, ...params);
  }
}

/**
 * TypeORM's logger for the CLI's DataSource. A DataSource file's own `logging` would print
 * queries with console.log, on stdout; the CLI replaces it: silent, or with `--verbose`
 * every query and error on stderr.
 * @internal
 */
export function createTypeOrmLogger(output: CliOutput, verbose: boolean): TypeOrmLogger {
  const write = (line: string) => {
    if (verbose) output.err(`[typeorm] ${line}\n`);
  };
  return {
    logQuery: (query) => write(`query: ${query}`),
    logQueryError: (error, query) => write(`query failed: ${query} -- ${describeError(error)}`),
    logQuerySlow: (time, query) => write(`slow query (${time} ms): ${query}`),
    logSchemaBuild: (message) => write(`schema: ${message}`),
    logMigration: (message) => write(`migration: ${message}`),
    log: (level, message) => write(`${level}: ${describeError(message)}`),
  };
}
