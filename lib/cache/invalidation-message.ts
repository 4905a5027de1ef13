import type { ApiKeysInvalidation } from '../interfaces/invalidation-bus.interface.js';
import type { RecordedChange } from '../interfaces/api-key-change.interface.js';

/** A bus message names at most this many keys; a larger change clears every instance's cache. */
export const MAX_IDS_PER_MESSAGE = 1000;
const MAX_ID_LENGTH = 128;

/** Changes of definitions shared by many keys (roles, permissions, an owner's limits): everything goes. */
const CLEARS_ALL = /^(role|permission|owner)\./;
/** Changes that cannot alter a verify outcome. */
const IRRELEVANT = /^secret\./;

/**
 * What a committed change invalidates (SPEC §10), or null when it cannot alter a verify
 * outcome: the change's key and every key it lists (a bulk revoke, a purge, a cascade), the
 * old row of a rotation, all of it for a role or permission definition or an owner's shared
 * limits (simplest correct rule: a role edit reaches every key holding the role), and the
 * NOT_FOUND answers for an import (its value may have been presented before). A key's own
 * grant change (`key.roles_set`, `key.permissions_set`) evicts that key.
 * @internal
 */
export function invalidationOf(changes: readonly RecordedChange[]): ApiKeysInvalidation | null {
  const keyIds = new Set<string>();
  let all = false;
  let notFound = false;
  for (const change of changes) {
    if (IRRELEVANT.test(change.action)) continue;
    if (CLEARS_ALL.test(change.action)) all = true;
    if (change.action === 'key.imported') notFound = true;
    if (change.keyId) keyIds.add(change.keyId);
    for (const key of change.keys ?? []) keyIds.add(key.id);
    const rotatedFrom = change.details?.rotatedFromId;
    if (typeof rotatedFrom === 'string') keyIds.add(rotatedFrom);
  }
  if (all) return { keyIds: [], all: true };
  if (keyIds.size === 0 && !notFound) return null;
  return { keyIds: [...keyIds], ...(notFound ? { notFound } : {}) };
}

/** The message for the bus: too many ids become `all`, so a bulk change never sends a huge payload. @internal */
export function forBus(message: ApiKeysInvalidation, origin: string): ApiKeysInvalidation {
  if (message.all || message.keyIds.length > MAX_IDS_PER_MESSAGE) return { keyIds: [], all: true, origin };
  return { ...message, origin };
}

/**
 * A message as it came off a bus, checked: a well-formed one as is; anything else (another
 * version, a stray publisher) as "clear everything", the answer that can only evict too much.
 * @internal
 */
export function checkedInvalidation(value: unknown): { message: ApiKeysInvalidation; valid: boolean } {
  const clearAll = { message: { keyIds: [], all: true }, valid: false };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return clearAll;
  const { keyIds, all, notFound, origin } = value as Record<string, unknown>;
  if (!Array.isArray(keyIds) || keyIds.length > MAX_IDS_PER_MESSAGE) return clearAll;
  if (!keyIds.every((id) => typeof id === 'string' && id.length > 0 && id.length <= MAX_ID_LENGTH)) return clearAll;
  if ((all !== undefined && typeof all !== 'boolean') || (notFound !== undefined && typeof notFound !== 'boolean')) return clearAll;
  if (origin !== undefined && (typeof origin !== 'string' || origin.length > MAX_ID_LENGTH)) return clearAll;
  return {
    message: {
      keyIds: keyIds as string[],
      ...(all ? { all } : {}),
      ...(notFound ? { notFound } : {}),
      ...(origin !== undefined ? { origin } : {}),
    },
    valid: true,
  };
}

/** JSON on the wire: ids and flags only, never a key or a hash. @internal */
export function encodeInvalidation(message: ApiKeysInvalidation): string {
  return JSON.stringify({
    keyIds: message.keyIds,
    ...(message.all ? { all: true } : {}),
    ...(message.notFound ? { notFound: true } : {}),
    ...(message.origin ? { origin: message.origin } : {}),
  });
}

/** Parses a payload; malformed JSON is the same as a malformed message. @internal */
export function decodeInvalidation(payload: string): { message: ApiKeysInvalidation; valid: boolean } {
  try {
    return checkedInvalidation(JSON.parse(payload));
  } catch {
    return checkedInvalidation(null);
  }
}
