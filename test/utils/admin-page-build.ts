import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ADMIN_PAGE_DIR_ENV } from '../../lib/admin/ui/admin-page-assets.js';

let built: string | undefined;

/**
 * Builds the admin page from its TypeScript sources the way the package build does
 * (scripts/build-admin-page.mjs, in its own process) into a temp dir, once per test file, and
 * points the server at it: Jest runs the server from sources, where no compiled page exists.
 */
export function useBuiltAdminPage(): string {
  if (!built) {
    const dir = mkdtempSync(join(tmpdir(), 'nest-api-keys-page-'));
    execFileSync(process.execPath, ['scripts/build-admin-page.mjs', dir], { cwd: resolve(__dirname, '../..'), stdio: 'pipe' });
    built = dir;
  }
  process.env[ADMIN_PAGE_DIR_ENV] = built;
  return built;
}

export function removeBuiltAdminPage(): void {
  if (built) rmSync(built, { recursive: true, force: true });
  built = undefined;
  delete process.env[ADMIN_PAGE_DIR_ENV];
}
