import { ApiKeyValidationError } from '../api-keys.errors.js';
import type { AuditCursor } from './audit.store.js';

/** The opaque `nextCursor` of an audit page: base64url of `[at, id]`. @internal */
export function encodeAuditCursor(cursor: AuditCursor): string {
  return Buffer.from(JSON.stringify([cursor.at, cursor.id])).toString('base64url');
}

/** A cursor this API returned, or a 400-style error naming `cursor`. @internal */
export function decodeAuditCursor(cursor: unknown): AuditCursor {
  if (typeof cursor === 'string' && cursor.length <= 200) {
    try {
      const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
      if (Number.isSafeInteger(at) && at >= 0 && typeof id === 'string' && id.length <= 36) return { at, id };
    } catch {
      // fall through to the validation error
    }
  }
  throw ApiKeyValidationError.field('cursor', 'cursor is not a cursor this API returned');
}
