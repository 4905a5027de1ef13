import { CONNECTION_HELP, CONNECTION_OPTIONS, HELP_OPTION, connectionOptions, parseCommandArgs, printable } from '../cli-arguments.js';
import { CLI_ACTOR } from '../cli-actor.js';
import { withSession, type CliCommand } from '../cli-command.js';
import { CliFailure, CliUsageError } from '../cli-errors.js';
import { toCliError } from '../service-errors.js';

const NAME = 'revoke-key';

/**
 * `revoke-key <id>`: revokes one key through the service (idempotent: an already revoked key
 * is left as it is and the command still succeeds).
 * @internal
 */
export const revokeKeyCommand: CliCommand = {
  name: NAME,
  summary: 'revoke a key by its id (idempotent)',
  help: `Usage: nest-api-keys revoke-key <id> --data-source <file> [options]

Revokes the key with this id (a UUID, as list-keys shows it): from then on it verifies as
REVOKED. Revoking a revoked key changes nothing and succeeds.

${CONNECTION_HELP}
`,
  async run(args, env) {
    const { values, positionals } = parseCommandArgs(NAME, args, { ...HELP_OPTION, ...CONNECTION_OPTIONS }, { max: 1 });
    const connection = connectionOptions(values, NAME);
    const [rawId] = positionals;
    if (rawId === undefined) throw new CliUsageError('the id of the key to revoke is required', NAME);
    // The admin API's rule for ids (class-validator), loaded here: the session loads it anyway.
    const { isUUID } = await import('class-validator');
    if (!isUUID(rawId, 'all')) throw new CliUsageError(`'${printable(rawId)}' is not a key id (a UUID, as list-keys shows it)`, NAME);
    const id = rawId.toLowerCase();

    await withSession(env, { ...connection, output: env.output }, async ({ apiKeys }) => {
      try {
        const before = await apiKeys.get(id);
        if (!before) throw new CliFailure(`no API key with id ${id}`);
        const after = await apiKeys.revoke(id, { actorId: CLI_ACTOR });
        const label = `${after.id} (${after.start ? `${after.start}…${after.last4}` : 'imported hash'}, owner ${after.ownerId})`;
        env.output.err(
          before.revokedAt
            ? `Key ${label} was already revoked at ${before.revokedAt.toISOString()}; nothing changed.\n`
            : `Revoked key ${label} at ${after.revokedAt?.toISOString()}.\n`,
        );
      } catch (error) {
        throw toCliError(error, NAME);
      }
    });
  },
};
