import { API_KEY_STATUSES, type ApiKey, type ApiKeyStatus } from '../../interfaces/api-key.interface.js';
import {
  CONNECTION_HELP,
  CONNECTION_OPTIONS,
  HELP_OPTION,
  connectionOptions,
  optionalString,
  parseCommandArgs,
  printable,
} from '../cli-arguments.js';
import { withSession, type CliCommand } from '../cli-command.js';
import { CliUsageError } from '../cli-errors.js';
import { formatKeyJson, formatKeyTable } from '../key-table.js';
import { toCliError } from '../service-errors.js';

const NAME = 'list-keys';
/** The service's largest page; the command follows the cursor to the end. */
const PAGE_SIZE = 100;

/**
 * `list-keys`: every key (optionally of one owner, namespace or status), newest first, as a
 * table or `--json`; never a hash.
 * @internal
 */
export const listKeysCommand: CliCommand = {
  name: NAME,
  summary: 'list keys as a table or JSON (never their hashes)',
  help: `Usage: nest-api-keys list-keys --data-source <file> [--owner <id>] [options]

Lists keys newest first: id, owner, name, status, start…last4, permissions, created,
expiry and last use (UTC). Never a hash. The table goes to stdout, the count to stderr.

Filters and output:
  --owner <id>         only this owner's keys
  --namespace <name>   only keys in this namespace
  --status <status>    only keys in this status: ${API_KEY_STATUSES.join(', ')}
  --json               print a JSON array of keys instead of the table

${CONNECTION_HELP}
`,
  async run(args, env) {
    const { values } = parseCommandArgs(
      NAME,
      args,
      {
        ...HELP_OPTION,
        ...CONNECTION_OPTIONS,
        owner: { type: 'string' },
        namespace: { type: 'string' },
        status: { type: 'string' },
        json: { type: 'boolean' },
      },
      { max: 0 },
    );
    const connection = connectionOptions(values, NAME);
    const status = optionalString(values, 'status');
    if (status !== undefined && !API_KEY_STATUSES.includes(status as ApiKeyStatus)) {
      throw new CliUsageError(`--status '${printable(status)}' is not one of ${API_KEY_STATUSES.join(', ')}`, NAME);
    }

    await withSession(env, { ...connection, output: env.output }, async ({ apiKeys }) => {
      const keys: ApiKey[] = [];
      let cursor: string | undefined;
      do {
        const page = await apiKeys
          .list({
            ownerId: optionalString(values, 'owner'),
            namespace: optionalString(values, 'namespace'),
            status: status as ApiKeyStatus | undefined,
            limit: PAGE_SIZE,
            cursor,
          })
          .catch((error: unknown) => {
            throw toCliError(error, NAME);
          });
        keys.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      env.output.out(values.json ? formatKeyJson(keys) : formatKeyTable(keys));
      env.output.err(`${keys.length} key${keys.length === 1 ? '' : 's'}\n`);
    });
  },
};
