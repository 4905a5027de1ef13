import { MAX_KEY_LENGTH } from '../api-keys.constants.js';
import type { KeySource } from '../interfaces/api-keys-options.interface.js';

/**
 * Longest header or query value the guard reads (SPEC §7). A longer value is cut to one
 * character past this bound, which the key format (at most 512 characters) rejects as
 * MALFORMED before any database work: an oversized value is never trimmed, split or matched.
 */
export const MAX_SOURCE_VALUE_LENGTH = 4096;

const BEARER_SCHEME = 'bearer';

function firstValue(value: unknown): string | undefined {
  if (Array.isArray(value)) return typeof value[0] === 'string' ? value[0] : undefined;
  return typeof value === 'string' ? value : undefined;
}

const isBlank = (char: string) => char === ' ' || char === '\t';

/** The value with spaces and tabs removed at both ends, by index: linear, no pattern. */
function trimBlanks(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && isBlank(value[start])) start++;
  while (end > start && isBlank(value[end - 1])) end--;
  return value.slice(start, end);
}

/** Whether the header names the Bearer scheme followed by a space or tab. */
function isBearer(header: string): boolean {
  return (
    header.length > BEARER_SCHEME.length &&
    header.slice(0, BEARER_SCHEME.length).toLowerCase() === BEARER_SCHEME &&
    isBlank(header[BEARER_SCHEME.length])
  );
}

/**
 * The token of `Authorization: Bearer <token>`, or undefined when the header is no single
 * Bearer token. Parsed by index, never by a backtracking pattern: the cost is linear in the
 * header whatever its shape (16,000 spaces between the scheme and the token included).
 */
function bearerToken(header: string, isOurKey: (value: string) => boolean): string | undefined {
  if (!isBearer(header)) return undefined;
  if (header.length > MAX_SOURCE_VALUE_LENGTH) return oversizedBearer(header, isOurKey);
  const token = trimBlanks(header.slice(BEARER_SCHEME.length));
  if (token === '' || token.includes(' ') || token.includes('\t')) return undefined;
  return isOurKey(token) ? token : undefined;
}

/**
 * A Bearer header longer than the bound: MALFORMED (cut, so the key format rejects it) when it
 * carries our prefix or is blank for the whole bound; absent when it is someone else's token (a
 * large JWT), as SPEC §7 says of every Bearer value that is not ours. Only the bound is read:
 * the blanks are skipped by index up to it, and the prefix is checked on a window one
 * character longer than a key, which legacyKeyPattern never sees (it takes at most 512).
 */
function oversizedBearer(header: string, isOurKey: (value: string) => boolean): string | undefined {
  const cut = header.slice(0, MAX_SOURCE_VALUE_LENGTH + 1);
  let start = BEARER_SCHEME.length;
  while (start < MAX_SOURCE_VALUE_LENGTH && isBlank(header[start])) start++;
  if (start >= MAX_SOURCE_VALUE_LENGTH) return cut;
  return isOurKey(header.slice(start, start + MAX_KEY_LENGTH + 1)) ? cut : undefined;
}

/** A header or query value: trimmed, or cut (uncut values longer than the bound are MALFORMED). */
function boundedValue(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value.length > MAX_SOURCE_VALUE_LENGTH) return value.slice(0, MAX_SOURCE_VALUE_LENGTH + 1);
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/**
 * The raw key from the first configured source that has one, or undefined. An empty value
 * counts as absent; a Bearer value that is not one of our keys (a JWT, say) counts as
 * absent too, so the host's other auth can take it. Every step is linear in the input, and
 * no value longer than MAX_SOURCE_VALUE_LENGTH is looked at beyond that bound.
 * @internal
 */
export function extractKey(
  request: { headers?: Record<string, unknown>; query?: Record<string, unknown> },
  sources: readonly KeySource[],
  isOurKey: (value: string) => boolean,
): string | undefined {
  for (const source of sources) {
    let value: string | undefined;
    if (source.in === 'header') value = boundedValue(firstValue(request.headers?.[source.name.toLowerCase()]));
    else if (source.in === 'query') value = boundedValue(firstValue(request.query?.[source.name]));
    else {
      const header = firstValue(request.headers?.authorization);
      value = header === undefined ? undefined : bearerToken(header, isOurKey);
    }
    if (value !== undefined) return value;
  }
  return undefined;
}
