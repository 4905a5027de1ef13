/** @internal Resolved runtime options (defaults merged). */
export const API_KEYS_RESOLVED_OPTIONS = Symbol('API_KEYS_RESOLVED_OPTIONS');
/** @internal Structural options fixed when the module is built. */
export const API_KEYS_STRUCTURAL_OPTIONS = Symbol('API_KEYS_STRUCTURAL_OPTIONS');
/** @internal The TypeORM DataSource the library uses. */
export const API_KEYS_DATA_SOURCE = Symbol('API_KEYS_DATA_SOURCE');
/** @internal Admin-request property holding the resolved admin actor. */
export const REQUEST_ADMIN_ACTOR_PROPERTY = 'apiKeysAdminActor';
/** @internal The resolved rate-limit storage (option, host's ThrottlerStorage, or in-process). */
export const API_KEYS_RATE_LIMIT_STORAGE = Symbol('API_KEYS_RATE_LIMIT_STORAGE');
/** @internal Brute-force protection, or null when `failedAttempts: false`. */
export const API_KEYS_FAILED_ATTEMPTS = Symbol('API_KEYS_FAILED_ATTEMPTS');
/** @internal The change hooks every mutation runs through (ApiKeyChanges), in order. */
export const API_KEYS_CHANGE_HOOKS = Symbol('API_KEYS_CHANGE_HOOKS');
/** @internal Every entity of the library (API_KEYS_ENTITIES), for the boot checks. */
export const API_KEYS_ENTITY_LIST = Symbol('API_KEYS_ENTITY_LIST');
/** @internal The steps after every verification (failure events, usage, credit thresholds), in order. */
export const API_KEYS_VERIFICATION_HOOKS = Symbol('API_KEYS_VERIFICATION_HOOKS');
