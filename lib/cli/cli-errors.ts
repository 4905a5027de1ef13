/**
 * A mistake in the command line (unknown flag, missing or bad value): exit code 2, one line
 * on stderr, before anything connects to the database.
 * @internal
 */
export class CliUsageError extends Error {
  readonly exitCode = 2;
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
    this.name = 'CliUsageError';
  }
}

/**
 * A failure the user can act on (the store cannot be reached, a file does not load, a key
 * does not exist): exit code 1, one line on stderr.
 * @internal
 */
export class CliFailure extends Error {
  readonly exitCode = 1;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliFailure';
  }
}

const MAX_MESSAGE_LENGTH = 500;

/**
 * One line describing an error: its message with newlines folded, or, for errors without one
 * (Node's AggregateError of a refused dual-stack connect), the first inner message or the code.
 * Never a stack trace.
 * @internal
 */
export function describeError(error: unknown): string {
  const message = firstMessage(error, 0) ?? String(error);
  const line = message
    .replace(/\s*[\r\n]+\s*/g, ' ')
    .trim()
    .replace(/^nest-api-keys:\s*/, '');
  return line.length > MAX_MESSAGE_LENGTH ? `${line.slice(0, MAX_MESSAGE_LENGTH)}…` : line;
}

function firstMessage(error: unknown, depth: number): string | undefined {
  if (depth > 3 || error === null || typeof error !== 'object') {
    return typeof error === 'string' && error ? error : undefined;
  }
  const { message, errors, code } = error as { message?: unknown; errors?: unknown; code?: unknown };
  if (typeof message === 'string' && message.trim()) return message;
  if (Array.isArray(errors) && errors.length > 0) return firstMessage(errors[0], depth + 1);
  if (typeof code === 'string') return code;
  return undefined;
}
