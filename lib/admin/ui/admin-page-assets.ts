import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ApiKeysAdminOptions, KeySource } from '../../interfaces/api-keys-options.interface.js';
import type { AdminPageContext } from './admin-page.interface.js';

/**
 * @internal Points the server at another build of the page. Only the test suite sets it: it
 * compiles the page from its TypeScript sources, which Jest does not run as browser code.
 */
export const ADMIN_PAGE_DIR_ENV = 'NEST_API_KEYS_ADMIN_PAGE_DIR';

/**
 * @internal The page's Content-Security-Policy: everything from its own origin and nothing
 * else; no inline script or style, no plugins, no framing, no `<base>`, no form posts (forms
 * are sent by the page's script).
 */
export const ADMIN_PAGE_CSP = "default-src 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'; form-action 'none'";

const CONTENT_TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml; charset=utf-8',
};
/** Only these names are ever served: a lookup in a map read at boot, so no path reaches the disk. */
const ASSET_NAME = /^[a-z0-9][a-z0-9.-]*\.(js|css|svg)$/;

/** @internal One file of the page. */
export interface AdminPageAsset {
  body: string;
  contentType: string;
}

/** @internal How the page authenticates: host guards replace the admin key. */
export function pageAuth(admin: ApiKeysAdminOptions): AdminPageContext['auth'] {
  return admin.guards?.length ? 'host-session' : 'admin-key';
}

/** @internal How the page sends the admin key: the first header source, else a Bearer token. */
export function pageKeySource(sources: readonly KeySource[]): string {
  const source = sources.find((s) => s.in === 'header' || s.in === 'bearer');
  if (!source) {
    throw new Error(
      "nest-api-keys: admin.ui needs a header or bearer key source (the page never puts the admin key in a URL); add { in: 'header', name: 'x-api-key' } to sources.",
    );
  }
  return source.in === 'header' ? `header:${source.name.toLowerCase()}` : 'bearer';
}

function escapeAttribute(value: string): string {
  return value.replace(/[&"'<>]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The admin page, read once at boot from the compiled assets next to this module
 * (`dist/admin/ui/page/`), so a missing build fails the boot rather than a request.
 * @internal
 */
export class AdminPage {
  private constructor(
    readonly html: string,
    readonly assets: ReadonlyMap<string, AdminPageAsset>,
  ) {}

  static load(settings: { auth: AdminPageContext['auth']; keySource: string }, dir = AdminPage.defaultDir()): AdminPage {
    const template = join(dir, 'index.html');
    if (!existsSync(template) || !existsSync(join(dir, 'main.js'))) {
      throw new Error(`nest-api-keys: the admin page is not built (no index.html and main.js in ${dir}); run the package build.`);
    }
    const html = readFileSync(template, 'utf8')
      .replace('{{auth}}', escapeAttribute(settings.auth))
      .replace('{{keySource}}', escapeAttribute(settings.keySource));
    const assets = new Map<string, AdminPageAsset>();
    for (const name of readdirSync(dir)) {
      const match = ASSET_NAME.exec(name);
      if (match) assets.set(name, { body: readFileSync(join(dir, name), 'utf8'), contentType: CONTENT_TYPES[match[1]] });
    }
    return new AdminPage(html, assets);
  }

  private static defaultDir(): string {
    return process.env[ADMIN_PAGE_DIR_ENV] || fileURLToPath(new URL('./page/', import.meta.url));
  }
}
