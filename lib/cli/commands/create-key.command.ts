import { KEY_PREFIX_PATTERN } from '../../keys/key-format.js';
import {
  CONNECTION_HELP,
  CONNECTION_OPTIONS,
  HELP_OPTION,
  connectionOptions,
  durationOption,
  optionalString,
  parseCommandArgs,
  printable,
  requiredString,
  stringList,
} from '../cli-arguments.js';
import { withSession, type CliCommand } from '../cli-command.js';
import { CliUsageError } from '../cli-errors.js';
import { CLI_ACTOR } from '../cli-actor.js';
import { toCliError } from '../service-errors.js';

const NAME = 'create-key';

/**
 * `create-key`: issues a key through the app's `ApiKeyService` and prints the raw key alone
 * on stdout (so `KEY=$(npx nest-api-keys create-key …)` works); the summary goes to stderr.
 * @internal
 */
export const createKeyCommand: CliCommand = {
  name: NAME,
  summary: 'issue a key (e.g. the first root key) and print it once on stdout',
  help: `Usage: nest-api-keys create-key --data-source <file> --owner <id> [options]

Issues a key with the app's own ApiKeyService (key format, pepper and validation are the
app's) and prints the raw key alone on stdout, once: only its hash is stored. Everything
else goes to stderr, so KEY=$(nest-api-keys create-key ...) captures just the key.

Key:
  --owner <id>             owner of the key. Required.
  --name <name>            display name
  --permission <name>      a permission to grant; repeat for several (e.g. api_keys:admin)
  --role <name>            a role to grant; repeat for several
  --namespace <name>       namespace (default "default")
  --expires-in <duration>  expire after this long: 90d, 12h, 30m, 45s, 2w
  --prefix <prefix>        key prefix, overriding the options file's keyPrefix (e.g. sk_live)

${CONNECTION_HELP}

Example:
  ROOT_KEY=$(npx nest-api-keys create-key --data-source dist/data-source.js \\
    --options dist/api-keys.options.js --owner ops --name root \\
    --permission api_keys:admin --expires-in 90d)
`,
  async run(args, env) {
    const { values } = parseCommandArgs(
      NAME,
      args,
      {
        ...HELP_OPTION,
        ...CONNECTION_OPTIONS,
        owner: { type: 'string' },
        name: { type: 'string' },
        permission: { type: 'string', multiple: true },
        role: { type: 'string', multiple: true },
        namespace: { type: 'string' },
        'expires-in': { type: 'string' },
        prefix: { type: 'string' },
      },
      { max: 0 },
    );
    const connection = connectionOptions(values, NAME);
    const ownerId = requiredString(values, 'owner', NAME);
    const prefix = optionalString(values, 'prefix');
    if (prefix !== undefined && !KEY_PREFIX_PATTERN.test(prefix)) {
      throw new CliUsageError(`--prefix '${printable(prefix)}' must match ${KEY_PREFIX_PATTERN} (e.g. sk_live)`, NAME);
    }
    const expiresInMs = durationOption(values, 'expires-in', NAME);

    await withSession(env, { ...connection, prefix, output: env.output }, async ({ apiKeys, clock }) => {
      const created = await apiKeys
        .create(
          {
            ownerId,
            name: optionalString(values, 'name') ?? null,
            namespace: optionalString(values, 'namespace'),
            permissions: stringList(values, 'permission'),
            roles: stringList(values, 'role'),
            expiresAt: expiresInMs === undefined ? null : clock.now() + expiresInMs,
          },
          { actorId: CLI_ACTOR },
        )
        .catch((error: unknown) => {
          throw toCliError(error, NAME);
        });
      const { apiKey } = created;
      const grants = [...apiKey.permissions, ...apiKey.roles.map((role) => `role ${role}`)];
      env.output.err(
        `Created key ${apiKey.id} (${apiKey.start}…${apiKey.last4}) for owner ${apiKey.ownerId}` +
          `${apiKey.name ? `, name ${printable(apiKey.name)}` : ''}, ${grants.length ? `grants ${grants.join(', ')}` : 'no permissions'}` +
          `, ${apiKey.expiresAt ? `expires ${apiKey.expiresAt.toISOString()}` : 'no expiry'}.\n` +
          `The key is printed once on stdout; only its hash is stored. Keep it in your secret store.\n`,
      );
      env.output.out(`${created.key}\n`);
    });
  },
};
