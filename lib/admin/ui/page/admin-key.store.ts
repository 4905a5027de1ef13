// Root mode: the admin key lives in this tab's sessionStorage and nowhere else (never
// localStorage, never the URL), so it is gone when the tab closes.

const STORAGE_KEY = 'nest-api-keys:admin-key';

export const adminKeyStore = {
  get(): string | null {
    try {
      return sessionStorage.getItem(STORAGE_KEY);
    } catch {
      return null; // storage disabled: the user signs in again
    }
  },
  set(key: string): void {
    sessionStorage.setItem(STORAGE_KEY, key);
  },
  clear(): void {
    try {
      sessionStorage.removeItem(STORAGE_KEY);
    } catch {
      // nothing stored
    }
  },
};
