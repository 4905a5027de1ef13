/**
 * What the admin page learns about its caller from `GET {admin.path}/ui/context` (behind the
 * same protection as the admin API). A host that builds its own page on the admin API can
 * call it too.
 *
 * @example
 * // GET /api-keys/ui/context with the host's session cookie
 * { auth: 'host-session', actorId: 'alice', ownerId: 'acme', grantablePermissions: ['projects:*'],
 *   maxKeyTtlMs: 7776000000, maxGracePeriodMs: 86400000 }
 */
export interface AdminPageContext {
  /** How the page authenticates: an admin key it sends, or the host's own session (`admin.guards`). */
  auth: 'admin-key' | 'host-session';
  /** The actor that changes are recorded under. */
  actorId: string;
  /** Set for an owner-scoped (self-service) actor: the page shows and creates this owner's keys only. */
  ownerId: string | null;
  /** What the actor may grant (wildcard-aware); null: anything but the reserved `api_keys:` namespace. */
  grantablePermissions: string[] | null;
  /** Longest key lifetime the actor may give (owner-scoped actors with `adminPolicy.maxKeyTtlMs`), else null. */
  maxKeyTtlMs: number | null;
  /** Longest rotation grace the actor may ask for (owner-scoped actors), else null (no cap). */
  maxGracePeriodMs: number | null;
}
