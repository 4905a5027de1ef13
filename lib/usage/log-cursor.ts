import { ApiKeyValidationError } from '../api-keys.errors.js';
import type { LogCursor } from './usage.store.js';

/** The opaque `nextCursor` of a verification log page: base64url of `[at, id]`. @internal */
export function encodeLogCursor(cursor: LogCursor): string {
  return Buffer.from(JSON.stringify([cursor.at, cursor.id])).toString('base64url');
}

/** A cursor this API returned, or a 400-style error naming `cursor`. @internal */
export function decodeLogCursor(cursor: unknown): LogCursor {
  if (typeof cursor === 'string' && cursor.length <= 200) {
    try {
      const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
      if (Number.isSafeInteger(at) && typeof id === 'string' && id.length <= 36) return { at, id };
    } catch {
      // fall through to the validation error
    }
  }
  throw ApiKeyValidationError.field('cursor', 'cursor is not a cursor this API returned');
}
