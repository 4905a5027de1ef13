/** Metadata key of `@RequirePermissions`. */
export const REQUIRE_PERMISSIONS_KEY = 'API_KEYS:require_permissions';
/** Metadata key of `@RequireRoles`. */
export const REQUIRE_ROLES_KEY = 'API_KEYS:require_roles';
/** Metadata key of `@ApiKeyCost`. */
export const API_KEY_COST_KEY = 'API_KEYS:cost';
/** Metadata key of `@SkipApiKey`. */
export const SKIP_API_KEY_KEY = 'API_KEYS:skip';
/** Metadata key of `@OptionalApiKey`. */
export const OPTIONAL_API_KEY_KEY = 'API_KEYS:optional';

/** The permission that opens the admin API. Reserved: `*` never grants it. */
export const ADMIN_PERMISSION = 'api_keys:admin';
/** Permissions in this namespace are granted only literally (`api_keys:admin`, `api_keys:*`). */
export const RESERVED_PERMISSION_NAMESPACE = 'api_keys:';

/** Where the guard leaves the principal and the verify result on the request. */
export const REQUEST_API_KEY_PROPERTY = 'apiKey';
export const REQUEST_VERIFICATION_PROPERTY = 'apiKeyVerification';

export const DEFAULT_KEY_PREFIX = 'sk';
export const DEFAULT_KEY_BYTES = 32;
export const MIN_KEY_BYTES = 16;
/** Anything longer is rejected as MALFORMED before hashing. */
export const MAX_KEY_LENGTH = 512;
export const DEFAULT_STORE_TIMEOUT_MS = 1000;
export const DEFAULT_LAST_USED_WRITE_INTERVAL_MS = 60_000;
export const DEFAULT_NAMESPACE = 'default';
/** Where the guard looks for a key unless `sources` says otherwise: `x-api-key`, then Bearer. */
export const DEFAULT_SOURCES: Array<{ in: 'header'; name: string } | { in: 'bearer' }> = [
  { in: 'header', name: 'x-api-key' },
  { in: 'bearer' },
];
