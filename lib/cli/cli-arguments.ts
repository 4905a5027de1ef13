import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliUsageError } from './cli-errors.js';
import { parseDuration } from './duration.js';

/** Option definitions in node:util parseArgs form. @internal */
export type CliOptionSpecs = NonNullable<ParseArgsConfig['options']>;

/** Parsed values: strings, repeated strings, or booleans. @internal */
export type CliValues = Record<string, string | string[] | boolean | undefined>;

/** Options every command that reaches the database takes. @internal */
export const CONNECTION_OPTIONS: CliOptionSpecs = {
  'data-source': { type: 'string' },
  options: { type: 'string' },
  timeout: { type: 'string' },
  verbose: { type: 'boolean' },
};

export const HELP_OPTION: CliOptionSpecs = { help: { type: 'boolean', short: 'h' } };

export const CONNECTION_HELP = `Connection:
  --data-source <file>  module exporting the app's TypeORM DataSource (default export or
                        "dataSource"; the file "typeorm migration:run -d" takes). Required.
  --options <file>      module exporting the app's ApiKeysModule options (default export or
                        "apiKeysOptions", an object or a function answering one), so that
                        keyPrefix and pepper match the app
  --timeout <duration>  give up connecting after this long (default 10s)
  --verbose             print Nest and TypeORM logs on stderr
  -h, --help            this help`;

const DEFAULT_TIMEOUT = '10s';

/**
 * Parses one command's arguments strictly: unknown options, missing values, stray
 * positionals and a single-valued option given twice are usage errors.
 * @internal
 */
export function parseCommandArgs(
  command: string,
  args: string[],
  specs: CliOptionSpecs,
  positionals: { max: number },
): { values: CliValues; positionals: string[] } {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args, options: specs, allowPositionals: positionals.max > 0, strict: true, tokens: true });
  } catch (error) {
    throw new CliUsageError(parseArgsMessage(error), command);
  }
  const seen = new Set<string>();
  for (const token of parsed.tokens ?? []) {
    if (token.kind !== 'option' || specs[token.name]?.multiple) continue;
    if (seen.has(token.name)) throw new CliUsageError(`--${token.name} is given more than once`, command);
    seen.add(token.name);
  }
  if (parsed.positionals.length > positionals.max) {
    throw new CliUsageError(`unexpected argument '${parsed.positionals[positionals.max]}'`, command);
  }
  return { values: parsed.values as CliValues, positionals: parsed.positionals };
}

/** A required string option, present and not blank. @internal */
export function requiredString(values: CliValues, name: string, command: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value.trim() === '') throw new CliUsageError(`--${name} <value> is required`, command);
  return value;
}

/** An optional string option. @internal */
export function optionalString(values: CliValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

/** A repeatable string option (empty when absent). @internal */
export function stringList(values: CliValues, name: string): string[] {
  const value = values[name];
  return Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
}

/** A duration option such as 90d, 12h, 30m in milliseconds, or undefined when absent. @internal */
export function durationOption(values: CliValues, name: string, command: string, fallback?: string): number | undefined {
  const text = optionalString(values, name) ?? fallback;
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms === null) {
    throw new CliUsageError(
      `--${name} '${printable(text)}' is not a duration: use a whole number and a unit s, m, h, d or w (e.g. 90d, 12h, 30m)`,
      command,
    );
  }
  return ms;
}

/** The connection options of a command, checked. @internal */
export function connectionOptions(values: CliValues, command: string) {
  return {
    dataSourceFile: requiredString(values, 'data-source', command),
    optionsFile: optionalString(values, 'options'),
    timeoutMs: durationOption(values, 'timeout', command, DEFAULT_TIMEOUT)!,
    verbose: values.verbose === true,
  };
}

/**
 * A value quoted back in a message: control characters escaped and long values cut, so a
 * hostile argument cannot break the one-line message or a terminal.
 * @internal
 */
export function printable(text: string, max = 80): string {
  const escaped = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return escaped.length > max ? `${escaped.slice(0, max)}…` : escaped;
}

// node:util's messages explain how to pass a positional starting with a dash; one sentence is enough.
function parseArgsMessage(error: unknown): string {
  const message = (error as Error)?.message ?? String(error);
  const unknown = /^Unknown option '([^']*)'/.exec(message);
  if (unknown) return `unknown option '${printable(unknown[1])}'`;
  const missing = /^Option '(-\w, )?(--[\w-]+)[^']*' argument missing/.exec(message);
  if (missing) return `${missing[2]} needs a value`;
  const ambiguous = /^Option '(-\w, )?(--[\w-]+)[^']*' argument is ambiguous/.exec(message);
  if (ambiguous) return `${ambiguous[2]} needs a value (to pass one that starts with a dash, write ${ambiguous[2]}=-value)`;
  const unexpected = /^Unexpected argument '([^']*)'/.exec(message);
  if (unexpected) return `unexpected argument '${printable(unexpected[1])}'`;
  const stringOption = /^Option '(-\w, )?(--[\w-]+)' does not take an argument/.exec(message);
  if (stringOption) return `${stringOption[2]} does not take a value`;
  return printable(message.split(/\.\s/)[0], 200);
}
