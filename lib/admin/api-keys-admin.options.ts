/** @internal The `admin` structural option, inside the admin module. */
export const API_KEYS_ADMIN_OPTIONS = Symbol('API_KEYS_ADMIN_OPTIONS');
