import { RESERVED_PERMISSION_NAMESPACE } from '../api-keys.constants.js';
import { ApiKeyNotFoundError, ApiKeyValidationError, ForbiddenError, ForbiddenGrantError } from '../api-keys.errors.js';
import type { ResolvedApiKeysOptions } from '../api-keys.options.js';
import type { ApiKey } from '../interfaces/api-key.interface.js';
import type { AdminActor, OwnerKeyDefaults } from '../interfaces/api-keys-options.interface.js';
import { grantsCover } from '../rbac/permission-matcher.js';

/** Fields an owner-scoped actor may not send: the server sets them (SPEC §9). */
export const SERVER_SET_FIELDS = ['remaining', 'refill', 'rateLimits', 'allowedIps', 'meta', 'namespace', 'environment'] as const;

/**
 * The owner-scoped (self-service) rules of the admin API in one place. A root actor (no
 * `ownerId`) passes every check here.
 * @internal
 */
export class OwnerScope {
  constructor(
    readonly actor: AdminActor,
    private readonly options: ResolvedApiKeysOptions,
  ) {}

  get isScoped(): boolean {
    return this.actor.ownerId !== undefined;
  }

  /**
   * Routes that act across owners (roles and permissions are shared by every owner) are for
   * administrators only: an owner-scoped actor gets 403 FORBIDDEN, reads included, since names a
   * tenant granted within a wildcard would show to every other tenant.
   */
  assertAdministrator(): void {
    if (this.isScoped) throw new ForbiddenError('Roles and permissions are managed by administrators only.');
  }

  /** Another owner's key answers 404, exactly like an id that does not exist. */
  assertOwns(key: ApiKey | null): ApiKey {
    if (!key || (this.isScoped && key.ownerId !== this.actor.ownerId)) throw new ApiKeyNotFoundError();
    return key;
  }

  /** The owner a request acts on: the actor's own when scoped (another one is a 400). */
  ownerFor(requested: string | undefined, field = 'ownerId'): string | undefined {
    if (!this.isScoped) return requested;
    if (requested !== undefined && requested !== this.actor.ownerId) {
      throw ApiKeyValidationError.field(field, `${field} must be your own owner id`);
    }
    return this.actor.ownerId;
  }

  /**
   * Routes for administrators of every owner (`/owners/:ownerId/…`): 403 FORBIDDEN for an
   * owner-scoped actor, whatever owner the path names, so the answer tells nothing about it.
   */
  assertAdmin(message: string): void {
    if (this.isScoped) throw new ForbiddenError(message);
  }

  /**
   * The actor's own owner, for the self-service routes that name none (`/secrets`). An
   * administrator has no owner of its own: 400 naming `ownerId`, with `message` saying where to go.
   */
  ownOwnerId(message: string): string {
    if (!this.isScoped) throw ApiKeyValidationError.field('ownerId', message);
    return this.actor.ownerId!;
  }

  rejectServerSetFields(body: object): void {
    if (!this.isScoped) return;
    const sent = SERVER_SET_FIELDS.filter((field) => (body as Record<string, unknown>)[field] !== undefined);
    if (sent.length > 0) {
      throw new ApiKeyValidationError(sent.map((field) => ({ field, messages: [`${field} is set by the server`] })));
    }
  }

  /** Server-set defaults of a new key for this actor. */
  defaults(): OwnerKeyDefaults {
    return this.isScoped ? (this.options.adminPolicy.defaultsFor?.(this.actor) ?? {}) : {};
  }

  /** What this actor may grant (wildcard-aware): `adminPolicy.grantablePermissions`, or null (anything) for a root actor. */
  grantablePermissions(): string[] | null {
    return this.isScoped ? this.resolve(this.options.adminPolicy.grantablePermissions) : null;
  }

  /**
   * An owner-scoped actor may grant only what `grantablePermissions` covers, never the reserved
   * `api_keys:` namespace, and only roles listed in `grantableRoles` whose every permission is
   * grantable: a role is an authority of its own (`@RequireRoles`), even with no permissions.
   */
  checkGrants(permissions: string[] = [], roles: string[] = [], rolePermissions: Map<string, string[]> = new Map()): void {
    const grantable = this.grantablePermissions();
    if (grantable === null) return;
    const allowed = (permission: string) => !permission.startsWith(RESERVED_PERMISSION_NAMESPACE) && grantsCover(grantable, permission);
    // Matching a requested wildcard as a literal keeps it inside an equal or wider grantable one.
    const deniedPermission = permissions.find((p) => !allowed(p));
    if (deniedPermission !== undefined) throw new ForbiddenGrantError(`You may not grant '${deniedPermission}'.`);
    const grantableRoles = new Set(this.resolve(this.options.adminPolicy.grantableRoles));
    for (const role of roles) {
      const carried = rolePermissions.get(role);
      if (!grantableRoles.has(role) || !carried || !carried.every(allowed)) {
        throw new ForbiddenGrantError(`You may not grant the role '${role}'.`);
      }
    }
  }

  private resolve(policy: string[] | ((actor: AdminActor) => string[]) | undefined): string[] {
    const names = typeof policy === 'function' ? policy(this.actor) : policy;
    return Array.isArray(names) ? names : [];
  }

  /** The expiry an owner-scoped key gets: at most now + maxKeyTtlMs, never cleared then. */
  capExpiry(requested: string | null | undefined, now: number, creating: boolean): string | null | undefined {
    const maxTtl = this.options.adminPolicy.maxKeyTtlMs;
    if (!this.isScoped || maxTtl === undefined) return requested;
    const latest = now + maxTtl;
    if (requested === null) throw ApiKeyValidationError.field('expiresAt', 'expiresAt cannot be cleared');
    if (requested === undefined) return creating ? new Date(latest).toISOString() : undefined;
    if (Date.parse(requested) > latest) {
      throw ApiKeyValidationError.field('expiresAt', `expiresAt must be at most ${new Date(latest).toISOString()}`);
    }
    return requested;
  }

  checkGracePeriod(gracePeriodMs: number | undefined): void {
    if (this.isScoped && gracePeriodMs !== undefined && gracePeriodMs > this.options.adminPolicy.maxGracePeriodMs) {
      throw ApiKeyValidationError.field('gracePeriodMs', `gracePeriodMs must be at most ${this.options.adminPolicy.maxGracePeriodMs}`);
    }
  }
}
