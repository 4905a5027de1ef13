import { ApiKeyValidationError } from '../api-keys.errors.js';

/** A page position: the last row's (createdAt, id). @internal */
export interface KeyCursor {
  createdAt: number;
  id: string;
}

/** The opaque `nextCursor` of a page: base64url of `[createdAt, id]`. @internal */
export function encodeCursor(cursor: KeyCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString('base64url');
}

/** A cursor this API returned, or a 400 naming `cursor`. @internal */
export function decodeCursor(cursor: string): KeyCursor {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Number.isSafeInteger(createdAt) && typeof id === 'string' && id.length <= 36) return { createdAt, id };
  } catch {
    // fall through to the validation error
  }
  throw ApiKeyValidationError.field('cursor', 'cursor is not a cursor this API returned');
}

/**
 * The page of `rows` fetched with `limit + 1`: the first `limit` and, when there are more, the
 * cursor of the last one. @internal
 */
export function pageOf<T extends KeyCursor>(rows: T[], limit: number): { page: T[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { page, nextCursor: rows.length > limit ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null };
}
