/** @internal Resolved runtime options (defaults merged). */
export const API_KEYS_RESOLVED_OPTIONS = Symbol('API_KEYS_RESOLVED_OPTIONS');
/** @internal Structural options fixed when the module is built. */
export const API_KEYS_STRUCTURAL_OPTIONS = Symbol('API_KEYS_STRUCTURAL_OPTIONS');
/** @internal The TypeORM DataSource the library uses. */
export const API_KEYS_DATA_SOURCE = Symbol('API_KEYS_DATA_SOURCE');
/** @internal Admin-request property holding the resolved admin actor. */
export const REQUEST_ADMIN_ACTOR_PROPERTY = 'apiKeysAdminActor';
