import { ApiKeyNotFoundError, MaxKeysReachedError } from '../api-keys.errors.js';
import { CliFailure } from './cli-errors.js';
import { toCliError } from './service-errors.js';

describe('toCliError', () => {
  it('says a full owner in one line, exit 1', () => {
    const error = toCliError(new MaxKeysReachedError(3), 'create-key');
    expect(error).toBeInstanceOf(CliFailure);
    expect((error as CliFailure).exitCode).toBe(1);
    expect((error as CliFailure).message).toBe('This owner already holds the most active keys allowed (3); revoke one first.');
  });

  it('still says a missing key, and rethrows what it does not know', () => {
    expect((toCliError(new ApiKeyNotFoundError(), 'revoke-key') as CliFailure).message).toBe('no API key with that id');
    const bug = new TypeError('boom');
    expect(toCliError(bug, 'create-key')).toBe(bug);
  });
});
