/**
 * Errors the library throws from its services. Each carries the code and HTTP status the
 * admin API answers with, so host code can map them the same way.
 */
export class ApiKeysError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A field-level problem with an input. */
export interface FieldError {
  field: string;
  messages: string[];
}

export class ApiKeyValidationError extends ApiKeysError {
  constructor(readonly errors: FieldError[]) {
    super('VALIDATION_FAILED', 400, errors.map((e) => `${e.field}: ${e.messages.join(', ')}`).join('; '));
  }

  static field(field: string, message: string): ApiKeyValidationError {
    return new ApiKeyValidationError([{ field, messages: [message] }]);
  }
}

export class ApiKeyNotFoundError extends ApiKeysError {
  constructor() {
    super('NOT_FOUND', 404, 'API key not found.');
  }
}

export class KeyNotRotatableError extends ApiKeysError {
  constructor() {
    super('KEY_NOT_ROTATABLE', 409, 'Only an active key that has not been rotated can be rotated.');
  }
}

export class ForbiddenGrantError extends ApiKeysError {
  constructor(message = 'The requested permissions or roles are outside what you may grant.') {
    super('FORBIDDEN_GRANT', 403, message);
  }
}

/** The database could not be reached or did not answer within `storeTimeoutMs`. */
export class StoreUnavailableError extends ApiKeysError {
  constructor(readonly reason: string) {
    super('STORE_UNAVAILABLE', 503, 'The API key store is unavailable; retry shortly.');
  }
}
