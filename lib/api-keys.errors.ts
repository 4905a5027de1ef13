/**
 * Every error code a caller of the library can see, once (SPEC §7, §9): the codes of the
 * services and the admin API with their HTTP status here, and the guard's denials (the verify
 * codes and MISSING, TOO_MANY_ATTEMPTS) in DENIAL_STATUS of `guard/http-error-mapping.ts`.
 * Each service code has one error class below; nothing throws a code without its class.
 */
export const API_KEYS_ERROR_STATUS = {
  /** A body, query or service input is invalid; `errors` names the fields. */
  VALIDATION_FAILED: 400,
  /** The caller may not use the admin API (a host guard refused, or resolveActor named no actor). */
  FORBIDDEN: 403,
  /** An owner-scoped actor asked for permissions, roles or a parent's authority it may not grant. */
  FORBIDDEN_GRANT: 403,
  /** An owner-scoped actor tried to enable a key an administrator disabled. */
  KEY_DISABLED_BY_ADMIN: 403,
  /** No such key (or role, or permission) — also another owner's key, for an owner-scoped actor. */
  NOT_FOUND: 404,
  /** A key with this value (hash) is already stored. */
  KEY_EXISTS: 409,
  /** Only an active key that was not rotated can be rotated. */
  KEY_NOT_ROTATABLE: 409,
  /** The key was rotated: its grants, limits and credits live on its successor. */
  KEY_ROTATED: 409,
  /** The owner already holds `maxKeysPerOwner` active keys. */
  MAX_KEYS_REACHED: 409,
  /** A role still held by a key that can verify (not revoked, not rotated) cannot be deleted. */
  ROLE_IN_USE: 409,
  /** A permission still carried by a role or held by a key that can verify cannot be deleted. */
  PERMISSION_IN_USE: 409,
  /** Behind host guards, an admin write was not sent as JSON. */
  UNSUPPORTED_MEDIA_TYPE: 415,
  /**
   * A stored secret cannot be decrypted: its key id is not in the keyring, or the row was altered
   * or copied to another owner or name (authentication failed). Never carries the value.
   */
  SECRET_UNREADABLE: 500,
  /** The secrets routes or service were used without a `secrets` keyring. */
  SECRETS_NOT_CONFIGURED: 501,
  /** The database (or a shared store) is unreachable or slower than `storeTimeoutMs`. */
  STORE_UNAVAILABLE: 503,
} as const;

/** A code of API_KEYS_ERROR_STATUS. */
export type ApiKeysErrorCode = keyof typeof API_KEYS_ERROR_STATUS;

/**
 * Errors the library throws from its services. Each carries its code and the HTTP status the
 * admin API answers with (from API_KEYS_ERROR_STATUS), so host code can map them the same way.
 */
export class ApiKeysError extends Error {
  readonly status: number;

  constructor(
    readonly code: ApiKeysErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
    this.status = API_KEYS_ERROR_STATUS[code];
  }
}

/** A field-level problem with an input. */
export interface FieldError {
  field: string;
  messages: string[];
}

export class ApiKeyValidationError extends ApiKeysError {
  constructor(readonly errors: FieldError[]) {
    super('VALIDATION_FAILED', errors.map((e) => `${e.field}: ${e.messages.join(', ')}`).join('; '));
  }

  static field(field: string, message: string): ApiKeyValidationError {
    return new ApiKeyValidationError([{ field, messages: [message] }]);
  }
}

export class ApiKeyNotFoundError extends ApiKeysError {
  constructor(message = 'API key not found.') {
    super('NOT_FOUND', message);
  }
}

export class ForbiddenError extends ApiKeysError {
  constructor(message = 'You may not use the API key admin API.') {
    super('FORBIDDEN', message);
  }
}

export class ForbiddenGrantError extends ApiKeysError {
  constructor(message = 'The requested permissions or roles are outside what you may grant.') {
    super('FORBIDDEN_GRANT', message);
  }
}

export class KeyDisabledByAdminError extends ApiKeysError {
  constructor() {
    super('KEY_DISABLED_BY_ADMIN', 'An administrator disabled this key; only an administrator can enable it.');
  }
}

export class KeyExistsError extends ApiKeysError {
  constructor() {
    super('KEY_EXISTS', 'A key with this value already exists.');
  }
}

export class KeyNotRotatableError extends ApiKeysError {
  constructor() {
    super('KEY_NOT_ROTATABLE', 'Only an active key that has not been rotated can be rotated.');
  }
}

export class KeyRotatedError extends ApiKeysError {
  constructor(fields: readonly string[], successorId: string | null) {
    super('KEY_ROTATED', `This key was rotated; change ${fields.join(', ')} on its successor${successorId ? ` ${successorId}` : ''}.`);
  }
}

export class MaxKeysReachedError extends ApiKeysError {
  constructor(limit: number) {
    super('MAX_KEYS_REACHED', `This owner already holds the most active keys allowed (${limit}); revoke one first.`);
  }
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

export class RoleInUseError extends ApiKeysError {
  constructor(name: string, keys: number) {
    super('ROLE_IN_USE', `The role '${name}' is held by ${plural(keys, 'key')} that can still verify; take it from them first.`);
  }
}

export class PermissionInUseError extends ApiKeysError {
  constructor(name: string, usage: { keys: number; roles: number }) {
    const holders = [usage.keys ? plural(usage.keys, 'key') : '', usage.roles ? plural(usage.roles, 'role') : ''].filter(Boolean);
    super('PERMISSION_IN_USE', `The permission '${name}' is held by ${holders.join(' and ')}; take it from them first.`);
  }
}

export class UnsupportedMediaTypeError extends ApiKeysError {
  constructor() {
    super('UNSUPPORTED_MEDIA_TYPE', 'Admin API writes take a JSON body: send Content-Type: application/json.');
  }
}

export class SecretsNotConfiguredError extends ApiKeysError {
  constructor() {
    super('SECRETS_NOT_CONFIGURED', 'Secrets are not configured: set the secrets option with a keyring.');
  }
}

/**
 * A stored secret could not be decrypted (`reason`): `unknown-key` — the key id on its row is not
 * in `secrets.keys` (add that key back); `authentication-failed` — its IV, ciphertext, tag or key
 * id was altered, or the row was moved to another owner or name. Names the secret, never its value.
 */
export class SecretUnreadableError extends ApiKeysError {
  constructor(
    readonly reason: 'unknown-key' | 'authentication-failed',
    readonly ownerId: string,
    readonly secretName: string,
    readonly keyId: string,
  ) {
    super(
      'SECRET_UNREADABLE',
      reason === 'unknown-key'
        ? `Secret '${secretName}' of owner '${ownerId}' is encrypted with key '${keyId}', which is not in secrets.keys: add that key back, then run reencrypt().`
        : `Secret '${secretName}' of owner '${ownerId}' failed authentication: its stored row was altered or does not belong to this owner and name.`,
    );
  }
}

/** The database could not be reached or did not answer within `storeTimeoutMs`. */
export class StoreUnavailableError extends ApiKeysError {
  constructor(readonly reason: string) {
    super('STORE_UNAVAILABLE', 'The API key store is unavailable; retry shortly.');
  }
}
