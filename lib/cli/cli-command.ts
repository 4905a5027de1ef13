import type { CliOutput } from './cli-logger.js';
import type { CliSession, CliSessionConfig } from './cli-session.js';

/** What a command runs with: the output streams and a way to reach the app's keys. @internal */
export interface CliEnvironment {
  output: CliOutput;
  openSession(config: CliSessionConfig): Promise<CliSession>;
}

/** One CLI command: its name, its help and what it does. @internal */
export interface CliCommand {
  name: string;
  /** One line for the global help. */
  summary: string;
  /** The full `<command> --help` text. */
  help: string;
  run(args: string[], env: CliEnvironment): Promise<void>;
}

/** Opens a session, runs `work`, and always closes the session (the DataSource with it). @internal */
export async function withSession<T>(env: CliEnvironment, config: CliSessionConfig, work: (session: CliSession) => Promise<T>): Promise<T> {
  const session = await env.openSession(config);
  try {
    return await work(session);
  } finally {
    await session.close();
  }
}
