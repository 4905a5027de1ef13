/** @internal The loaded admin page (AdminPage). */
export const ADMIN_PAGE = Symbol('API_KEYS_ADMIN_PAGE');
