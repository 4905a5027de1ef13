import type { CliCommand, CliEnvironment } from './cli-command.js';
import { CliFailure, CliUsageError, describeError } from './cli-errors.js';
import { createKeyCommand } from './commands/create-key.command.js';
import { listKeysCommand } from './commands/list-keys.command.js';
import { revokeKeyCommand } from './commands/revoke-key.command.js';
import { printable } from './cli-arguments.js';

/** Every command, in the order the help lists them. @internal */
export const CLI_COMMANDS: CliCommand[] = [createKeyCommand, listKeysCommand, revokeKeyCommand];

const BIN = 'nest-api-keys';

function globalHelp(): string {
  const width = Math.max(...CLI_COMMANDS.map((command) => command.name.length));
  return `Usage: ${BIN} <command> [options]

Bootstraps and manages API keys of a nest-api-keys app from the shell, on the app's own
database and with its own options.

Commands:
${CLI_COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`).join('\n')}

Run ${BIN} <command> --help for a command's options.
  -h, --help     this help
  -v, --version  the package version

Exit status: 0 done, 1 failed (database, files, unknown key), 2 bad arguments.
`;
}

/** Whether the arguments ask for help (before a `--` that ends the options). */
function wantsHelp(args: string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

/**
 * Runs the CLI and answers its exit status. Every failure becomes one `nest-api-keys:` line
 * on stderr (with `--verbose`, followed by the stack trace); stdout carries only what the
 * command answers.
 * @internal
 */
export async function runCli(args: string[], env: CliEnvironment, version: string): Promise<number> {
  const [name, ...rest] = args;
  const verbose = args.includes('--verbose');
  try {
    if (name === undefined) throw new CliUsageError(`missing command (${CLI_COMMANDS.map((c) => c.name).join(', ')})`);
    if (name === '--help' || name === '-h') {
      env.output.out(globalHelp());
      return 0;
    }
    if (name === '--version' || name === '-v') {
      env.output.out(`${version}\n`);
      return 0;
    }
    const command = CLI_COMMANDS.find((candidate) => candidate.name === name);
    if (!command) throw new CliUsageError(`unknown command '${printable(name)}' (${CLI_COMMANDS.map((c) => c.name).join(', ')})`);
    if (wantsHelp(rest)) {
      env.output.out(command.help);
      return 0;
    }
    await command.run(rest, env);
    return 0;
  } catch (error) {
    env.output.err(`${BIN}: ${oneLine(error)}\n`);
    if (verbose && error instanceof Error && error.stack) env.output.err(`${causeChain(error)}\n`);
    return error instanceof CliUsageError || error instanceof CliFailure ? error.exitCode : 1;
  }
}

function oneLine(error: unknown): string {
  const line = describeError(error);
  return error instanceof CliUsageError ? `${line} (see ${BIN} ${error.command ? `${error.command} ` : ''}--help)` : line;
}

function causeChain(error: Error): string {
  const stacks: string[] = [];
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    stacks.push(current.stack ?? current.message);
  }
  return stacks.join('\ncaused by: ');
}
