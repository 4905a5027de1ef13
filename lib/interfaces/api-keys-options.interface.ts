import type { ModuleMetadata, Type, CanActivate } from '@nestjs/common';
import type { ApiKeysClock } from './clock.interface.js';
import type { ApiKeyEvent } from './api-key-event.interface.js';
import type { FailedAttemptsOptions, RateLimitRule, RateLimitStorage, RefillRule } from './quota.interface.js';
import type { ApiKeysCacheOptions } from './invalidation-bus.interface.js';
import type { SecretsOptions } from './secrets.interface.js';
import type { VerificationLogOptions } from './usage.interface.js';

/** Where the guard looks for a key, in order. */
export type KeySource = { in: 'header'; name: string } | { in: 'bearer' } | { in: 'query'; name: string };

/** A pepper: one secret (id `'p1'`), or a ring so that peppers can rotate. */
export type PepperOption = string | { current: string; secrets: Record<string, string> };

/**
 * Who is calling the admin API: owner-scoped (self-service) with `ownerId`, or an administrator
 * of every owner with an explicit `admin: true` (SPEC §9). `resolveActor` must answer one of the
 * two; anything else (no owner and no `admin: true`) is refused with 403 FORBIDDEN, so a user
 * without an organisation never becomes an administrator by accident.
 */
export type AdminActor = { actorId: string; ownerId: string; admin?: never } | { actorId: string; admin: true; ownerId?: never };

/** Server-set fields for owner-scoped creates. */
export interface OwnerKeyDefaults {
  namespace?: string;
  environment?: string | null;
  meta?: Record<string, unknown>;
  /** Credits, refill and rate limits of the plan the owner is on. */
  remaining?: number | null;
  refill?: RefillRule | null;
  rateLimits?: RateLimitRule[];
}

/** Rules for the admin API when the host's own guards protect it (`admin.guards`). */
export interface AdminPolicy {
  /**
   * Names the actor of an admin request: `{ actorId, ownerId }` (owner-scoped) or
   * `{ actorId, admin: true }` (every owner). Anything else answers 403 FORBIDDEN.
   */
  resolveActor?: (request: any) => AdminActor | null | undefined | Promise<AdminActor | null | undefined>;
  /** What an owner-scoped actor may grant (wildcard-aware). Default: nothing. */
  grantablePermissions?: string[] | ((actor: AdminActor) => string[]);
  /**
   * Roles an owner-scoped actor may grant (exact names; every permission a role carries must be
   * grantable too). Default: none — a role is an authority of its own through `@RequireRoles`.
   */
  grantableRoles?: string[] | ((actor: AdminActor) => string[]);
  /** Server-set fields of keys an owner-scoped actor creates. */
  defaultsFor?: (actor: AdminActor) => OwnerKeyDefaults;
  /** Longest lifetime an owner-scoped actor may give a key. */
  maxKeyTtlMs?: number;
  /** Longest rotation grace an owner-scoped actor may ask for. Default 24 h. */
  maxGracePeriodMs?: number;
  /**
   * Whether `GET …/secrets/:name` answers the decrypted `value` besides the metadata. Default
   * false: the admin API never hands a stored secret back, only the host's own code reads it.
   */
  revealSecrets?: boolean;
}

/** Runtime options: in `forRoot` directly, in `forRootAsync` from `useFactory`. */
export interface ApiKeysModuleOptions {
  /** Key prefix, `[a-z][a-z0-9_]{0,15}`. Default `'sk'`. */
  keyPrefix?: string;
  /** Random bytes in a key body. Default 32, minimum 16. */
  keyBytes?: number;
  /** HMAC pepper for stored hashes. Without it keys are stored as SHA-256. */
  pepper?: PepperOption;
  /** Keys imported from another system that do not follow our format. */
  legacyKeyPattern?: RegExp;
  /** Where the guard looks for a key. Default: `x-api-key` header, then Bearer. */
  sources?: KeySource[];
  /**
   * The in-process cache of verified keys (SPEC §10): `{ ttlMs, maxEntries, negativeTtlMs,
   * negativeMaxEntries, bus }` (defaults 10000 ms, 10000, 2000 ms, 10000, in-process bus), or
   * `false` to read every key from the database. With several instances, pass
   * `bus: new RedisInvalidationBus(redis)` so that a revocation reaches every instance.
   */
  cache?: ApiKeysCacheOptions | false;
  /** `lastUsedAt` is written at most once per this many ms per key. Default 60000. */
  lastUsedWriteIntervalMs?: number;
  /** A store call slower than this answers 503 STORE_UNAVAILABLE. Default 1000. */
  storeTimeoutMs?: number;
  /** Rate limits of keys that have none of their own. Default none. */
  defaultRateLimits?: RateLimitRule[];
  /**
   * Where rate-limit counters live. Default: the host's `@nestjs/throttler` storage when it
   * registers one, else the library's in-process storage (which reads `clock`). Use
   * `RedisThrottlerStorage` when several instances share limits.
   */
  rateLimitStorage?: RateLimitStorage;
  /** Brute-force protection per client; `false` turns it off. Default 30 per 60000 ms. */
  failedAttempts?: Partial<FailedAttemptsOptions> | false;
  /**
   * Most keys one owner may hold that are not revoked or purged (a positive integer). A create,
   * import or child creation past it fails with 409 MAX_KEYS_REACHED; rotations are never
   * refused. Default: no cap (the count is kept anyway).
   */
  maxKeysPerOwner?: number;
  /**
   * The keyring of the secrets vault (`ApiKeySecretsService`): `{ keys: { [id]: base64 of 32
   * bytes }, activeKeyId }`. A malformed key fails the boot. Without it the vault answers
   * SECRETS_NOT_CONFIGURED (501).
   */
  secrets?: SecretsOptions;
  /** Admin API rules (owner scoping, grants, caps). */
  adminPolicy?: AdminPolicy;
  /** Called for every library event; a throwing handler never breaks a request. */
  onEvent?: (event: ApiKeyEvent) => void;
  /**
   * Usage analytics (`ApiKeyUsageService`, `GET /keys/:id/usage`, `GET /stats`): every
   * verification of a stored key is counted in memory and written every `flushIntervalMs`
   * (default 1000) and at shutdown; the per-key verification log holds at most `maxBuffer`
   * (default 10000) entries in memory; rows older than `retentionDays` (default 90) are purged.
   * `{ enabled: false }` records nothing. Default on.
   */
  verificationLog?: VerificationLogOptions;
  /** Time source. Default the system clock. */
  clock?: ApiKeysClock;
}

/** Mounts the admin REST API. */
export interface ApiKeysAdminOptions {
  /** Mount path, e.g. `'api-keys'`. */
  path: string;
  /** Host guards that replace the root-key protection (resolved with ModuleRef). */
  guards?: Type<CanActivate>[];
  /** Modules the host guards need. */
  imports?: ModuleMetadata['imports'];
  /**
   * Serve the admin page at `{path}/ui` (built into the package; README "Admin page").
   * Default false.
   */
  ui?: boolean;
}

/** Structural options: plain values in both `forRoot` and `forRootAsync`. */
export interface ApiKeysStructuralOptions {
  /** Register the module globally. Default true. */
  isGlobal?: boolean;
  /** Name of the TypeORM DataSource that holds the key tables. Default `'default'`. */
  dataSource?: string;
  /** Register `ApiKeyGuard` as `APP_GUARD`. Default false. */
  globalGuard?: boolean;
  /** Mount the admin API. Default false. */
  admin?: false | ApiKeysAdminOptions;
}
