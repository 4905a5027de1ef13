import { ApiKeyValidationError } from '../api-keys.errors.js';
import { checkIdentifier, checkOwnerId } from '../keys/api-key-input.js';

/**
 * Largest secret value, in UTF-8 bytes: room for a PEM private key or a service-account JSON
 * file many times over, and its base64 ciphertext (43,692 characters) fits a MySQL TEXT column.
 */
export const MAX_SECRET_VALUE_BYTES = 32 * 1024;

// A high surrogate not followed by a low one, or a low one not preceded by a high one. Each
// alternative looks at one neighbour only: linear on any input.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The owner id and secret name of a vault call, or a 400-style error naming the field. @internal */
export function checkSecretAddress(ownerId: unknown, name: unknown): { ownerId: string; name: string } {
  return { ownerId: checkOwnerId(ownerId), name: checkIdentifier('secretName', 'name', name) };
}

/**
 * A secret value: a non-empty, well-formed string of at most MAX_SECRET_VALUE_BYTES UTF-8 bytes.
 * A lone surrogate would be stored as U+FFFD and read back changed, so it is refused. The
 * messages never quote the value. @internal
 */
export function checkSecretValue(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw ApiKeyValidationError.field('value', 'value must be a non-empty string');
  // A UTF-16 unit is at most 3 UTF-8 bytes: only a long string needs counting.
  if (
    value.length > MAX_SECRET_VALUE_BYTES ||
    (value.length * 3 > MAX_SECRET_VALUE_BYTES && Buffer.byteLength(value, 'utf8') > MAX_SECRET_VALUE_BYTES)
  ) {
    throw ApiKeyValidationError.field('value', `value must be at most ${MAX_SECRET_VALUE_BYTES} bytes of UTF-8`);
  }
  if (LONE_SURROGATE.test(value)) throw ApiKeyValidationError.field('value', 'value must be well-formed Unicode (no lone surrogates)');
  return value;
}
