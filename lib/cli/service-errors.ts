import { ApiKeyNotFoundError, ApiKeyValidationError, MaxKeysReachedError, StoreUnavailableError } from '../api-keys.errors.js';
import { CliFailure, CliUsageError } from './cli-errors.js';

/** Service input fields and the flags they come from. */
const FLAG_OF_FIELD: Record<string, string> = {
  ownerId: '--owner',
  name: '--name',
  namespace: '--namespace',
  permissions: '--permission',
  roles: '--role',
  expiresAt: '--expires-in',
  status: '--status',
};

/**
 * Says a service error in the CLI's terms: a rejected input names the flag it came from
 * (exit 2), a missing key, a full owner or an unavailable store is a failure (exit 1). Anything else is
 * rethrown for the CLI's last-resort one-line message.
 * @internal
 */
export function toCliError(error: unknown, command: string): unknown {
  if (error instanceof ApiKeyValidationError) {
    const parts = error.errors.map(({ field, messages }) => {
      const flag = FLAG_OF_FIELD[/^[A-Za-z]+/.exec(field)?.[0] ?? ''] ?? field;
      return `${flag}: ${messages.join(', ')}`;
    });
    return new CliUsageError(`invalid ${parts.join('; ')}`, command);
  }
  if (error instanceof ApiKeyNotFoundError) return new CliFailure('no API key with that id');
  if (error instanceof MaxKeysReachedError) return new CliFailure(error.message);
  if (error instanceof StoreUnavailableError) return new CliFailure(`the database is unavailable: ${error.reason}`);
  return error;
}
