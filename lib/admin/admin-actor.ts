import type { AdminActor } from '../interfaces/api-keys-options.interface.js';
import { isIdentifier } from '../keys/identifiers.js';

/**
 * What `adminPolicy.resolveActor` answered, as an actor (SPEC §9): owner-scoped with a valid
 * `ownerId`, or an administrator with an explicit `admin: true`; null for anything else — no
 * owner and no `admin: true`, an empty or malformed id, null, a non-object. An actor naming both
 * is taken as owner-scoped, the narrower reading.
 * @internal
 */
export function toAdminActor(value: unknown): AdminActor | null {
  if (!value || typeof value !== 'object') return null;
  const { actorId, ownerId, admin } = value as Record<string, unknown>;
  if (!isIdentifier('ownerId', actorId)) return null;
  if (ownerId !== undefined && ownerId !== null) return isIdentifier('ownerId', ownerId) ? { actorId, ownerId } : null;
  return admin === true ? { actorId, admin: true } : null;
}
