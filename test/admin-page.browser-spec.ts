import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import request from 'supertest';
import { ApiKeyEntity, ApiKeyUsageService, type AdminActor, type AdminPageContext } from '../lib/index.js';
import { ADMIN_PAGE_CSP, ADMIN_PAGE_DIR_ENV } from '../lib/admin/ui/admin-page-assets.js';
import { base62Encode } from '../lib/keys/base62.js';
import { checksumOf } from '../lib/keys/key-format.js';
import { useBuiltAdminPage, removeBuiltAdminPage } from './utils/admin-page-build.js';
import { launchBrowser, type BrowserSession } from './utils/browser.js';
import { fakeClock } from './utils/fake-clock.js';
import { keyRow } from './utils/rows.js';
import { createTestApp, PLATFORMS, type Platform, type TestApp } from './utils/test-app.js';

// The admin page (SPEC §13) in a real Chromium against real apps on ephemeral ports: root mode
// (an admin key in sessionStorage) and self-service mode (the host's cookie session), every
// request the page makes recorded, every console error caught.

const T0 = Date.UTC(2031, 4, 12, 9, 30);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const PAGE = '/api-keys/ui';

beforeAll(() => useBuiltAdminPage());
afterAll(() => removeBuiltAdminPage());

/** Starts an app with the admin page and makes it listen on 127.0.0.1 (a random port). */
async function startPageApp(config: Parameters<typeof createTestApp>[0]): Promise<{ t: TestApp; origin: string }> {
  const t = await createTestApp(config);
  await t.app.listen(0, '127.0.0.1');
  const { port } = t.app.getHttpServer().address();
  return { t, origin: `http://127.0.0.1:${port}` };
}

describe.each(PLATFORMS)('admin page assets on %s', (platform: Platform) => {
  let t: TestApp;
  let rootKey: string;
  let rootId: string;

  beforeAll(async () => {
    t = await createTestApp({ platform, structural: { admin: { path: 'api-keys', ui: true } } });
    const root = await t.apiKeys.create({ ownerId: 'ops', permissions: ['api_keys:admin'] });
    [rootKey, rootId] = [root.key, root.apiKey.id];
  });
  afterAll(() => t.close());

  it('serves the page with a same-origin-only CSP and no inline script or style', async () => {
    const res = await request(t.server).get(PAGE);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toBe(ADMIN_PAGE_CSP);
    expect(ADMIN_PAGE_CSP.split('; ')[0]).toBe("default-src 'self'");
    expect(ADMIN_PAGE_CSP).not.toMatch(/unsafe|https?:|data:|\*/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.text).toContain('data-auth="admin-key"');
    expect(res.text).toContain('data-key-source="header:x-api-key"');
    // Every script and style is a same-origin file; no inline code, no absolute URL.
    expect(res.text).toContain('<script type="module" src="ui/assets/main.js"></script>');
    expect(res.text).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(res.text).not.toMatch(/<style|\sstyle=|\son[a-z]+=|https?:\/\/|\/\/[a-z]/i);
  });

  it('serves the compiled script, style and icon with their types, and nothing else', async () => {
    const script = await request(t.server).get(`${PAGE}/assets/main.js`);
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.headers['content-security-policy']).toBe(ADMIN_PAGE_CSP);
    expect(script.text).toContain("from './api-client.js'");
    const style = await request(t.server).get(`${PAGE}/assets/admin-page.css`);
    expect(style.status).toBe(200);
    expect(style.headers['content-type']).toBe('text/css; charset=utf-8');
    const icon = await request(t.server).get(`${PAGE}/assets/icon.svg`);
    expect(icon.status).toBe(200);
    expect(icon.headers['content-type']).toBe('image/svg+xml; charset=utf-8');
    for (const path of [
      'index.html',
      'main.ts',
      'nope.js',
      '..%2F..%2Fpackage.json',
      '%2e%2e%2fadmin-page-assets.ts',
      'MAIN.JS',
      'main.js%00',
    ]) {
      const res = await request(t.server).get(`${PAGE}/assets/${path}`);
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ statusCode: 404 });
    }
    // Fastify refuses an over-long parameter itself (414); never a file, never a 500.
    const long = await request(t.server).get(`${PAGE}/assets/${'x'.repeat(5000)}.js`);
    expect([404, 414]).toContain(long.status);
  });

  it('redirects a trailing slash to the page, whose relative URLs need none', async () => {
    const res = await request(t.server).get(`${PAGE}/`);
    if (platform === 'fastify') {
      expect(res.status).toBe(404); // Fastify does not match the trailing slash at all
    } else {
      expect(res.status).toBe(301);
      expect(res.headers.location).toBe('../ui');
    }
  });

  it('GET ui/context is behind the admin protection and describes a root actor', async () => {
    const missing = await request(t.server).get(`${PAGE}/context`);
    expect(missing.status).toBe(401);
    expect(missing.body).toMatchObject({ statusCode: 401, code: 'MISSING' });
    const { key: plain } = await t.apiKeys.create({ ownerId: 'ops', permissions: ['*'] });
    const forbidden = await request(t.server).get(`${PAGE}/context`).set('x-api-key', plain);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toMatchObject({ statusCode: 403, code: 'INSUFFICIENT_PERMISSIONS' });
    const res = await request(t.server).get(`${PAGE}/context`).set('x-api-key', rootKey);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({
      auth: 'admin-key',
      actorId: `key:${rootId}`,
      ownerId: null,
      grantablePermissions: null,
      maxKeyTtlMs: null,
      maxGracePeriodMs: null,
    } satisfies AdminPageContext);
  });
});

describe('admin page options', () => {
  it('is off by default: no page, no context route', async () => {
    const t = await createTestApp({ structural: { admin: { path: 'api-keys' } } });
    try {
      for (const path of [PAGE, `${PAGE}/assets/main.js`, `${PAGE}/context`]) expect((await request(t.server).get(path)).status).toBe(404);
    } finally {
      await t.close();
    }
  });

  it('sends the admin key the way the guard reads it: a Bearer token when that is the only source', async () => {
    const t = await createTestApp({ options: { sources: [{ in: 'bearer' }] }, structural: { admin: { path: 'api-keys', ui: true } } });
    try {
      expect((await request(t.server).get(PAGE)).text).toContain('data-key-source="bearer"');
    } finally {
      await t.close();
    }
  });

  it('refuses to boot when the page could only send the admin key in a URL', async () => {
    await expect(
      createTestApp({ options: { sources: [{ in: 'query', name: 'key' }] }, structural: { admin: { path: 'api-keys', ui: true } } }),
    ).rejects.toThrow(/admin\.ui needs a header or bearer key source/);
  });

  it('refuses to boot when the page is not built, naming the directory', async () => {
    const built = process.env[ADMIN_PAGE_DIR_ENV];
    process.env[ADMIN_PAGE_DIR_ENV] = join(built!, 'missing');
    try {
      await expect(createTestApp({ structural: { admin: { path: 'api-keys', ui: true } } })).rejects.toThrow(
        /admin page is not built .*missing/,
      );
    } finally {
      process.env[ADMIN_PAGE_DIR_ENV] = built;
    }
  });
});

/** Console errors other than the browser's own note on an HTTP error status a test asked for. */
function unexpectedErrors(errors: string[], allowedStatuses: number[] = []): string[] {
  return errors.filter((text) => !allowedStatuses.some((status) => text.includes(`the server responded with a status of ${status}`)));
}

function expectSameOrigin(requests: string[], origin: string): void {
  expect(requests.length).toBeGreaterThan(0);
  expect(requests.filter((url) => new URL(url).origin !== origin)).toEqual([]);
}

async function storageDump(page: Page): Promise<string> {
  return page.evaluate(() =>
    JSON.stringify({ session: { ...sessionStorage }, local: { ...localStorage }, url: location.href, cookie: document.cookie }),
  );
}

async function signIn(page: Page, origin: string, key: string): Promise<void> {
  await page.goto(origin + PAGE);
  await page.getByLabel('Admin key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Keys', exact: true }).waitFor();
}

/** The text of every body cell of a table, row by row. */
async function cellTexts(table: Locator): Promise<string[][]> {
  return table.locator('tbody tr').evaluateAll((rows) => rows.map((row) => [...row.children].map((cell) => cell.textContent!.trim())));
}

const rowOf = (page: Page, name: string) =>
  page.getByTestId('key-row').filter({ has: page.getByRole('button', { name: `Details of ${name}`, exact: true }) });

/** Filters the list to `owner` and opens the details of its key `name`. */
async function openDetails(page: Page, owner: string, name: string): Promise<void> {
  await page.getByLabel('Owner').fill(owner);
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.getByRole('button', { name: `Details of ${name}`, exact: true }).click();
  await page.getByRole('heading', { name: `Key “${name}”` }).waitFor();
}

describe('admin page in root mode (real browser, express)', () => {
  const clock = fakeClock(T0);
  let t: TestApp;
  let origin: string;
  let browser: BrowserSession;
  let page: Page;
  let rootKey: string;
  const keys = () => t.dataSource.getRepository(ApiKeyEntity);

  beforeAll(async () => {
    ({ t, origin } = await startPageApp({
      platform: 'express',
      options: { clock, keyPrefix: 'sk_live' },
      structural: { admin: { path: 'api-keys', ui: true } },
    }));
    ({ key: rootKey } = await t.apiKeys.create({ ownerId: 'ops', name: 'root', permissions: ['api_keys:admin'] }));
    browser = await launchBrowser({ now: T0 });
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
    page = await browser.newPage();
    page.setDefaultTimeout(10_000);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('asks for an admin key, refuses a wrong one with the API message, keeps a good one in sessionStorage only', async () => {
    await t.apiKeys.create({ ownerId: 'acme', name: 'ci-bot', permissions: ['builds:run'], remaining: 1200 });
    await page.goto(origin + PAGE);
    const field = page.getByLabel('Admin key');
    await expect(field.getAttribute('type')).resolves.toBe('password');
    await field.fill('sk_live_not-a-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const malformed = await request(t.server).get('/api-keys/ui/context').set('x-api-key', 'sk_live_not-a-key');
    await page.getByRole('alert').filter({ hasText: malformed.body.message }).waitFor();
    expect(JSON.parse(await storageDump(page)).session).toEqual({});

    await signIn(page, origin, rootKey);
    const dump = JSON.parse(await storageDump(page));
    expect(Object.values(dump.session)).toEqual([rootKey]);
    expect(dump.local).toEqual({});
    expect(dump.cookie).toBe('');
    expect(dump.url).toBe(origin + PAGE);
    const row = rowOf(page, 'ci-bot');
    const stored = await keys().findOneByOrFail({ name: 'ci-bot' });
    await expect(row.textContent()).resolves.toContain(`${stored.start}…${stored.last4}`);
    for (const text of ['Active', 'acme', 'May 12, 2031, 9:30 AM', 'never', '1,200'])
      await expect(row.textContent()).resolves.toContain(text);
    expect(unexpectedErrors(browser.errors, [401])).toEqual([]);
  });

  it('creates a key through the form: the raw key is shown once, works, and is gone after a reload', async () => {
    browser.errors.length = 0;
    const create = page.getByRole('button', { name: 'Create key' });
    await create.click();
    const dialog = page.getByRole('dialog', { name: 'Create key' });
    await dialog.getByLabel('Name').fill('deploy-bot');
    await dialog.getByLabel('Owner').fill('acme');
    await dialog.getByLabel('Permissions').fill('deploys:run, reports:*');
    await dialog.getByLabel('Expires').fill('2031-12-31T23:00');
    await dialog.getByLabel('Credits').fill('500');
    await dialog.getByRole('button', { name: 'Create' }).click();

    const shown = page.getByTestId('new-key');
    const raw = (await shown.textContent())!;
    expect(raw).toMatch(/^sk_live_[0-9A-Za-z]+$/);
    await page.getByText('It will not be shown again').waitFor();
    const verified = await t.apiKeys.verify(raw, { dryRun: true });
    expect(verified).toMatchObject({
      valid: true,
      key: { ownerId: 'acme', name: 'deploy-bot', permissions: ['deploys:run', 'reports:*'] },
    });
    const row = await keyRow(t.dataSource, verified.key!.id);
    expect(row).toMatchObject({ owner_id: 'acme', remaining: 500, expires_at: Date.UTC(2031, 11, 31, 23, 0) });
    expect(JSON.stringify(row)).not.toContain(raw);

    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByText('Copied to the clipboard.').waitFor();
    await expect(page.evaluate(() => navigator.clipboard.readText())).resolves.toBe(raw);
    await page.getByRole('button', { name: 'Done' }).click();
    await shown.waitFor({ state: 'detached' }); // a dialog leaves the DOM on its (queued) close event
    // Focus goes back where it came from.
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Create key');
    await rowOf(page, 'deploy-bot').waitFor();

    await page.evaluate(() => navigator.clipboard.writeText(''));
    await page.reload();
    await page.getByRole('heading', { name: 'Keys', exact: true }).waitFor();
    await rowOf(page, 'deploy-bot').waitFor();
    expect(await page.content()).not.toContain(raw);
    expect(await storageDump(page)).not.toContain(raw);
    expect(browser.requests.filter((url) => url.includes(raw))).toEqual([]);
    expect(unexpectedErrors(browser.errors)).toEqual([]);
  });

  it('rotates a key with a grace period and shows the successor once', async () => {
    browser.errors.length = 0;
    const { key: oldRaw, apiKey: old } = await t.apiKeys.create({ ownerId: 'acme', name: 'rotate-me' });
    await page.reload();
    await page.getByRole('button', { name: 'Rotate rotate-me' }).click();
    const dialog = page.getByRole('dialog', { name: 'Rotate key “rotate-me”' });
    await dialog.getByLabel('Grace period (hours)').fill('2');
    await dialog.getByRole('button', { name: 'Rotate' }).click();
    const raw = (await page.getByTestId('new-key').textContent())!;
    expect(raw).not.toBe(oldRaw);
    await page.getByRole('button', { name: 'Done' }).click();

    const before = await keyRow(t.dataSource, old.id);
    expect(before).toMatchObject({ rotation_grace_ends_at: T0 + 2 * HOUR });
    const successor = await t.apiKeys.verify(raw, { dryRun: true });
    expect(successor).toMatchObject({ valid: true, key: { lineageId: old.lineageId } });
    expect(before!.rotated_to_id).toBe(successor.key!.id);
    await expect(t.apiKeys.verify(oldRaw, { dryRun: true })).resolves.toMatchObject({ valid: true });
    await expect(rowOf(page, 'rotate-me').filter({ hasText: 'Rotated (in grace)' }).count()).resolves.toBe(1);
    await expect(rowOf(page, 'rotate-me').filter({ hasText: 'Active' }).count()).resolves.toBe(1);
    expect(await page.content()).not.toContain(raw);
    expect(unexpectedErrors(browser.errors)).toEqual([]);
  });

  it('disables and enables a key', async () => {
    browser.errors.length = 0;
    const { apiKey } = await t.apiKeys.create({ ownerId: 'acme', name: 'toggle-me' });
    await page.reload();
    await page.getByRole('button', { name: 'Disable toggle-me' }).click();
    await rowOf(page, 'toggle-me').filter({ hasText: 'Disabled' }).waitFor();
    expect(await keyRow(t.dataSource, apiKey.id)).toMatchObject({ enabled: false, disabled_by: 'admin' });
    await page.getByRole('button', { name: 'Enable toggle-me' }).click();
    await rowOf(page, 'toggle-me').filter({ hasText: 'Active' }).waitFor();
    expect(await keyRow(t.dataSource, apiKey.id)).toMatchObject({ enabled: true });
    expect(unexpectedErrors(browser.errors)).toEqual([]);
  });

  it('revokes a key only after a confirmation', async () => {
    browser.errors.length = 0;
    const { key: raw, apiKey } = await t.apiKeys.create({ ownerId: 'acme', name: 'revoke-me' });
    await page.reload();
    const revoke = page.getByRole('button', { name: 'Revoke revoke-me' });
    await revoke.click();
    let dialog = page.getByRole('dialog', { name: 'Revoke key “revoke-me”?' });
    // The safe choice has the focus; cancelling changes nothing and focus returns.
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Cancel');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' }); // a dialog leaves the DOM on its (queued) close event
    await expect(page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).resolves.toBe('Revoke revoke-me');
    expect(await keyRow(t.dataSource, apiKey.id)).toMatchObject({ revoked_at: null });

    await revoke.click();
    dialog = page.getByRole('dialog', { name: 'Revoke key “revoke-me”?' });
    await dialog.getByRole('button', { name: 'Revoke' }).click();
    await rowOf(page, 'revoke-me').filter({ hasText: 'Revoked' }).waitFor();
    expect(await keyRow(t.dataSource, apiKey.id)).toMatchObject({ revoked_at: T0 });
    await expect(t.apiKeys.verify(raw, { dryRun: true })).resolves.toMatchObject({ valid: false, code: 'REVOKED' });
    // A revoked key offers no actions any more.
    await expect(rowOf(page, 'revoke-me').getByRole('button').count()).resolves.toBe(1); // its Details button
    expect(unexpectedErrors(browser.errors)).toEqual([]);
  });

  it('filters by owner and status and pages with the cursor', async () => {
    browser.errors.length = 0;
    const created = [];
    for (let i = 0; i < 23; i++) created.push(await t.apiKeys.create({ ownerId: 'pager', name: `page-key-${String(i).padStart(2, '0')}` }));
    await t.apiKeys.revoke(created[3].apiKey.id);
    await t.apiKeys.revoke(created[17].apiKey.id);
    await page.reload();
    await page.getByLabel('Owner').fill('pager');
    await page.getByRole('button', { name: 'Filter' }).click();
    const rows = page.getByTestId('key-row');
    const names = async () => (await rows.getByRole('button', { name: /^Details of / }).allTextContents()).sort();
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="key-row"]').length === 20 && document.body.textContent!.includes('page-key'),
    );
    const first = await names();
    expect(first.every((name) => name.startsWith('page-key-'))).toBe(true);
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.getByText('Page 2').waitFor();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="key-row"]').length === 3);
    const second = await names();
    expect([...first, ...second].sort()).toEqual(created.map((c) => c.apiKey.name).sort());
    await expect(page.getByRole('button', { name: 'Next page' }).isDisabled()).resolves.toBe(true);
    await page.getByRole('button', { name: 'Previous page' }).click();
    await page.getByText('Page 1').waitFor();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="key-row"]').length === 20);
    expect(await names()).toEqual(first);

    await page.getByLabel('Status').selectOption('revoked');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="key-row"]').length === 2);
    expect(await names()).toEqual(['page-key-03', 'page-key-17']);
    await page.getByLabel('Status').selectOption('');
    await page.getByLabel('Owner').fill('');
    await page.getByRole('button', { name: 'Filter' }).click();
    expect(unexpectedErrors(browser.errors)).toEqual([]);
  });

  it('renders attacker-controlled names, owners and meta as text, never as markup', async () => {
    browser.errors.length = 0;
    const name = '<img src=x onerror="window.__xss=1">';
    const owner = '<script>window.__xss=2</script>';
    const { apiKey } = await t.apiKeys.create({ ownerId: owner, name, meta: { note: '<b onmouseover="window.__xss=3">hi</b>' } });
    await page.goto(origin + PAGE);
    await page.getByLabel('Owner').fill(owner);
    await page.getByRole('button', { name: 'Filter' }).click();
    const row = rowOf(page, name);
    await row.waitFor();
    await expect(page.getByTestId('key-row').count()).resolves.toBe(1);
    await expect(row.getByRole('button', { name: `Details of ${name}` }).textContent()).resolves.toBe(name);
    await expect(row.textContent()).resolves.toContain(owner);
    await row.getByRole('button', { name: `Details of ${name}` }).click();
    await page.getByRole('heading', { name: `Key “${name}”` }).waitFor();
    await expect(page.locator('.meta').textContent()).resolves.toContain('<b onmouseover=\\"window.__xss=3\\">hi</b>');
    await page
      .getByRole('button', { name: `Revoke ${name}` })
      .first()
      .click();
    await page
      .getByRole('dialog', { name: `Revoke key “${name}”?` })
      .getByRole('button', { name: 'Cancel' })
      .click();
    await page.getByRole('button', { name: 'Close details' }).click();

    await expect(page.locator('main img, main script, main b').count()).resolves.toBe(0);
    await expect(page.evaluate(() => (window as any).__xss)).resolves.toBeUndefined();
    expect(browser.requests.filter((url) => new URL(url).pathname.endsWith('/x'))).toEqual([]);
    expect(await keyRow(t.dataSource, apiKey.id)).toMatchObject({ revoked_at: null });
    expect(unexpectedErrors(browser.errors)).toEqual([]);
  });

  it('shows an API error as its message and keeps the form open', async () => {
    browser.errors.length = 0;
    const before = await keys().count();
    await page.getByRole('button', { name: 'Create key' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create key' });
    await dialog.getByLabel('Owner').fill(' padded ');
    await dialog.getByLabel('Permissions').fill('ok:read BAD PERMISSION!');
    await dialog.getByRole('button', { name: 'Create' }).click();
    const api = await request(t.server)
      .post('/api-keys/keys')
      .set('x-api-key', rootKey)
      .send({ ownerId: ' padded ', permissions: ['ok:read', 'BAD', 'PERMISSION!'] });
    expect(api.status).toBe(400);
    await dialog.getByRole('alert').filter({ hasText: api.body.message }).waitFor();
    await expect(dialog.getByRole('alert').textContent()).resolves.toBe(api.body.message);
    expect(await keys().count()).toBe(before);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' }); // a dialog leaves the DOM on its (queued) close event
    expect(unexpectedErrors(browser.errors, [400])).toEqual([]);
  });

  it('works from the keyboard: dialogs take the focus, Escape closes them and gives it back', async () => {
    browser.errors.length = 0;
    await page.reload();
    await page.getByRole('heading', { name: 'Keys', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Create key' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog', { name: 'Create key' }).waitFor();
    await expect(page.evaluate(() => document.activeElement?.getAttribute('name'))).resolves.toBe('name');
    await page.keyboard.type('typed-bot');
    await page.keyboard.press('Tab');
    await expect(page.evaluate(() => document.activeElement?.getAttribute('name'))).resolves.toBe('ownerId');
    await page.keyboard.type('kbd');
    await page.keyboard.press('Enter'); // submits the form
    await page.getByTestId('new-key').waitFor();
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Copy');
    await page.keyboard.press('Escape');
    await page.getByTestId('new-key').waitFor({ state: 'detached' }); // a dialog leaves the DOM on its (queued) close event
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Create key');
    await expect(keys().countBy({ name: 'typed-bot', ownerId: 'kbd' })).resolves.toBe(1);
    expect(unexpectedErrors(browser.errors)).toEqual([]);
  });

  it("shows a key's usage chart, its recent verifications and, without the audit route, a note", async () => {
    browser.errors.length = 0;
    const { key: raw } = await t.apiKeys.create({
      ownerId: 'metered',
      name: 'usage-bot',
      permissions: ['billing:read'],
      remaining: 100,
    });
    // Five verifications a minute apart (the log is newest first): three valid, two rejected.
    const step = async (verify: () => Promise<unknown>) => {
      clock.advance(60_000);
      await verify();
    };
    await step(() => request(t.server).get('/demo/billing').set('x-api-key', raw).expect(200));
    await step(() => t.apiKeys.verify(raw, { cost: 3, ip: '203.0.113.7', tags: ['nightly-export', 'eu'] }));
    await step(() => request(t.server).get('/demo/billing').set('x-api-key', raw).expect(200));
    await step(() => request(t.server).get('/demo/billing-write').set('x-api-key', raw).expect(403));
    await step(() =>
      request(t.server)
        .post('/api-keys/verify')
        .set('x-api-key', rootKey)
        .send({ key: raw, permissions: ['billing:write'] })
        .expect(200),
    );
    await t.app.get(ApiKeyUsageService).flush();

    await t.apiKeys.create({ ownerId: 'metered', name: 'quiet-bot' });
    await page.reload();
    await openDetails(page, 'metered', 'usage-bot');
    const totals = '5 verifications: 3 valid, 2 rejected, 5 credits spent';
    const hourly = page.getByRole('img', { name: `Last 24 hours, per hour: ${totals}`, exact: true });
    const daily = page.getByRole('img', { name: `Last 30 days, per day: ${totals}`, exact: true });
    await hourly.waitFor();
    await daily.waitFor();
    // One bar pair in the last (current) hour and day; every other bucket is empty.
    await expect(hourly.locator('.chart__column').count()).resolves.toBe(25);
    await expect(daily.locator('.chart__column').count()).resolves.toBe(31);
    await expect(hourly.locator('.chart__valid').count()).resolves.toBe(1);
    await expect(hourly.locator('.chart__rejected').count()).resolves.toBe(1);
    await expect(hourly.locator('.chart__column').last().locator('title').textContent()).resolves.toBe(
      'May 12, 09:00 UTC: 3 valid, 2 rejected, 5 credits spent',
    );
    const summary = await cellTexts(page.getByTestId('usage-summary'));
    expect(summary).toEqual([
      ['Last 24 hours', '5', '3', '2', '5'],
      ['Last 30 days', '5', '3', '2', '5'],
    ]);
    await page.getByText('Rejected in the last 30 days: INSUFFICIENT_PERMISSIONS 2').waitFor();

    // Each chart's numbers open from the keyboard.
    await page.getByText('Numbers per hour', { exact: true }).focus();
    await page.keyboard.press('Enter');
    await expect(cellTexts(page.getByRole('table', { name: 'Numbers per hour' }))).resolves.toEqual([['May 12, 09:00', '3', '2', '5']]);

    const log = page.getByRole('table', { name: 'Recent verifications of usage-bot' });
    const rows = await cellTexts(log);
    expect(rows.map((row) => row.slice(0, 4))).toEqual([
      ['May 12, 2031, 9:35 AM', 'INSUFFICIENT_PERMISSIONS', '0', 'none'],
      ['May 12, 2031, 9:34 AM', 'INSUFFICIENT_PERMISSIONS', '0', 'none'],
      ['May 12, 2031, 9:33 AM', 'VALID', '1', 'none'],
      ['May 12, 2031, 9:32 AM', 'VALID', '3', 'nightly-exporteu'],
      ['May 12, 2031, 9:31 AM', 'VALID', '1', 'none'],
    ]);
    // POST /verify has no client address; the guard's and the service's have.
    expect(rows.map((row) => row[4])).toEqual([
      'none',
      expect.stringMatching(/127\.0\.0\.1$/),
      expect.stringMatching(/127\.0\.0\.1$/),
      '203.0.113.7',
      expect.stringMatching(/127\.0\.0\.1$/),
    ]);
    await expect(page.getByRole('button', { name: 'Show older verifications' }).isHidden()).resolves.toBe(true);

    // The key's chart and log keep to it: another key of the owner shows nothing yet.
    await page.getByRole('button', { name: 'Close details' }).click();
    await openDetails(page, 'metered', 'quiet-bot');
    await page.getByText('No verifications of this key in the last 30 days.').waitFor();
    await page.getByText('No verifications of this key yet.').waitFor();
    await page.getByRole('button', { name: 'Close details' }).click();
    expect(unexpectedErrors(browser.errors)).toEqual([]);
  });

  it('shows a panel that fails to load as the API message, does not hold the others back, and loads on "Try again"', async () => {
    browser.errors.length = 0;
    const message = 'The key store did not answer in time.';
    const usageRoute = '**/api-keys/keys/*/usage?*';
    await page.route(usageRoute, (route) =>
      route.fulfill({
        status: 503,
        contentType: 'application/json',
        body: JSON.stringify({ statusCode: 503, code: 'STORE_UNAVAILABLE', message }),
      }),
    );
    try {
      await page.reload();
      await openDetails(page, 'metered', 'usage-bot');
      await page.getByRole('alert').filter({ hasText: message }).waitFor();
      await page.getByText(`Could not load usage: ${message}`).waitFor();
      await page.getByRole('table', { name: 'Recent verifications of usage-bot' }).waitFor();
    } finally {
      await page.unroute(usageRoute);
    }
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.getByRole('img', { name: /^Last 24 hours, per hour: 5 verifications: 3 valid/ }).waitFor();
    await page.getByRole('button', { name: 'Close details' }).click();
    expect(unexpectedErrors(browser.errors, [503])).toEqual([]);
  });

  it("audit panel lists the key's audit events, newest first, with actor and address", async () => {
    browser.errors.length = 0;
    await t.apiKeys.create({ ownerId: 'audited', name: 'audit-rows-bot' });
    const rootId = (await t.apiKeys.verify(rootKey, { dryRun: true })).key!.id;
    await page.reload();
    await openDetails(page, 'audited', 'audit-rows-bot');
    await page.getByRole('button', { name: 'Disable audit-rows-bot' }).first().click();
    await rowOf(page, 'audit-rows-bot').filter({ hasText: 'Disabled' }).waitFor();
    const table = page.getByRole('table', { name: 'Audit events of audit-rows-bot' });
    await table.waitFor();
    const rows = await cellTexts(table);
    expect(rows.map((row) => row.slice(1, 4))).toEqual([
      ['key.updated', `key:${rootId}`, expect.stringMatching(/127\.0\.0\.1$/)],
      ['key.created', 'system', 'none'],
    ]);
    expect(rows[0][4]).toContain('enabled');
    await page.getByRole('button', { name: 'Close details' }).click();
    expect(unexpectedErrors(browser.errors)).toEqual([]);
  });

  it('sign out forgets the admin key', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Admin key').waitFor();
    expect(JSON.parse(await storageDump(page)).session).toEqual({});
  });

  it('made no request outside its own origin', () => {
    expectSameOrigin(browser.requests, origin);
    expect(browser.requests.some((url) => url.endsWith('/api-keys/ui/assets/main.js'))).toBe(true);
  });
});

/** Host sessions: the cookie `session=<token>` names a signed-in user of an organisation. */
const SESSIONS = new Map([
  ['alice-session', { id: 'alice', org: 'acme' }],
  ['bob-session', { id: 'bob', org: 'globex' }],
]);

/** The host's own guard: its session cookie, as a host app would check it. */
@Injectable()
class CookieSessionGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest();
    const token = /(?:^|;\s*)session=([^;]+)/.exec(String(req.headers.cookie ?? ''))?.[1];
    const user = token ? SESSIONS.get(token) : undefined;
    if (!user) return false;
    req.user = user;
    return true;
  }
}

describe('admin page in self-service mode (real browser, fastify, host cookie session)', () => {
  const GRANTABLE = ['projects:read', 'projects:write', 'reports:*'];
  const MAX_TTL = 30 * DAY;
  const clock = fakeClock(T0);
  let t: TestApp;
  let origin: string;
  let browser: BrowserSession;
  let page: Page;
  const keys = () => t.dataSource.getRepository(ApiKeyEntity);

  beforeAll(async () => {
    ({ t, origin } = await startPageApp({
      platform: 'fastify',
      options: {
        clock,
        adminPolicy: {
          resolveActor: (req: { user: { id: string; org: string } }): AdminActor => ({ actorId: req.user.id, ownerId: req.user.org }),
          grantablePermissions: GRANTABLE,
          maxKeyTtlMs: MAX_TTL,
          defaultsFor: () => ({ namespace: 'portal', remaining: 100 }),
        },
      },
      structural: { admin: { path: 'api-keys', ui: true, guards: [CookieSessionGuard] } },
    }));
    browser = await launchBrowser({ now: T0 });
    page = await browser.newPage();
    page.setDefaultTimeout(10_000);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('without a session, shows the refusal as the API words it and asks for no admin key', async () => {
    await page.goto(origin + PAGE);
    const refusal = await request(t.server).get('/api-keys/ui/context');
    expect(refusal.status).toBe(403);
    await page.getByRole('heading', { name: 'You cannot manage API keys here' }).waitFor();
    await expect(page.getByRole('alert').textContent()).resolves.toBe(refusal.body.message);
    await expect(page.getByLabel('Admin key').count()).resolves.toBe(0);
    expect(unexpectedErrors(browser.errors, [403])).toEqual([]);
  });

  it("with the host's cookie, lists only that owner's keys and stores nothing", async () => {
    browser.errors.length = 0;
    await t.apiKeys.create({ ownerId: 'acme', name: 'acme-one' });
    await t.apiKeys.create({ ownerId: 'acme', name: 'acme-two' });
    await t.apiKeys.create({ ownerId: 'globex', name: 'globex-secret-project' });
    await browser.context.addCookies([{ name: 'session', value: 'alice-session', url: origin }]);
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.getByRole('heading', { name: 'Keys of acme' }).waitFor();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="key-row"]').length === 2);
    await expect(
      page
        .getByTestId('key-row')
        .getByRole('button', { name: /^Details of / })
        .allTextContents(),
    ).resolves.toEqual(expect.arrayContaining(['acme-one', 'acme-two']));
    expect(await page.content()).not.toContain('globex');
    await page.getByText('Signed in as alice · owner acme').waitFor();
    await expect(page.getByRole('button', { name: 'Sign out' }).count()).resolves.toBe(0);
    // No owner filter: the actor sees one owner.
    await expect(page.getByLabel('Owner').count()).resolves.toBe(0);
    expect(JSON.parse(await storageDump(page))).toMatchObject({ session: {}, local: {} });
    expect(unexpectedErrors(browser.errors)).toEqual([]);
  });

  it("shows the usage and verifications of the owner's own key", async () => {
    browser.errors.length = 0;
    const { key: raw } = await t.apiKeys.create({ ownerId: 'acme', name: 'acme-metered', remaining: 10 });
    await t.apiKeys.verify(raw, { cost: 2, tags: ['portal'] });
    await t.apiKeys.verify(raw, { permissions: ['projects:write'] });
    await t.app.get(ApiKeyUsageService).flush();
    await page.reload();
    await page.getByRole('button', { name: 'Details of acme-metered' }).click();
    await page
      .getByRole('img', { name: 'Last 24 hours, per hour: 2 verifications: 1 valid, 1 rejected, 2 credits spent', exact: true })
      .waitFor();
    const rows = await cellTexts(page.getByRole('table', { name: 'Recent verifications of acme-metered' }));
    expect(rows.map((row) => row.slice(1, 4))).toEqual([
      ['INSUFFICIENT_PERMISSIONS', '0', 'none'],
      ['VALID', '2', 'portal'],
    ]);
    // An owner-scoped actor reads its own owner's trail: the key's creation by the host (system).
    const audit = await cellTexts(page.getByRole('table', { name: 'Audit events of acme-metered' }));
    expect(audit.map((row) => row.slice(1, 3))).toEqual([['key.created', 'system']]);
    await page.getByRole('button', { name: 'Close details' }).click();
    expect(unexpectedErrors(browser.errors)).toEqual([]);
  });

  it('creates a key with only grantable permissions, no owner and no credits fields', async () => {
    browser.errors.length = 0;
    await page.getByRole('button', { name: 'Create key' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create key' });
    await expect(dialog.getByLabel('Owner').count()).resolves.toBe(0);
    await expect(dialog.getByLabel('Credits').count()).resolves.toBe(0);
    await expect(dialog.getByRole('checkbox').count()).resolves.toBe(GRANTABLE.length);
    for (const permission of GRANTABLE) await dialog.getByRole('checkbox', { name: permission }).waitFor();
    await dialog.getByLabel('Name').fill('portal-key');
    await dialog.getByRole('checkbox', { name: 'projects:read' }).check();
    await dialog.getByRole('checkbox', { name: 'reports:*' }).check();
    await dialog.getByRole('button', { name: 'Create' }).click();
    const raw = (await page.getByTestId('new-key').textContent())!;
    await page.getByRole('button', { name: 'Done' }).click();

    const verified = await t.apiKeys.verify(raw, { dryRun: true });
    expect(verified).toMatchObject({
      valid: true,
      key: { ownerId: 'acme', namespace: 'portal', permissions: ['projects:read', 'reports:*'] },
    });
    // The server's cap is the expiry and its plan the credits.
    expect(await keyRow(t.dataSource, verified.key!.id)).toMatchObject({ expires_at: T0 + MAX_TTL, remaining: 100 });
    await rowOf(page, 'portal-key').waitFor();
    expect(unexpectedErrors(browser.errors)).toEqual([]);
  });

  it('rotates within the grace cap, revokes, and shows a refusal from the API as its message', async () => {
    browser.errors.length = 0;
    const { apiKey } = await t.apiKeys.create({ ownerId: 'acme', name: 'owner-rotates' });
    await page.reload();
    await page.getByRole('button', { name: 'Rotate owner-rotates' }).click();
    const dialog = page.getByRole('dialog', { name: 'Rotate key “owner-rotates”' });
    await expect(dialog.getByLabel('Grace period (hours)').getAttribute('max')).resolves.toBe('24');
    await dialog.getByText('at most 1 day').or(dialog.getByText('at most 24 hours')).waitFor();
    await dialog.getByLabel('Grace period (hours)').fill('24');
    await dialog.getByRole('button', { name: 'Rotate' }).click();
    await page.getByTestId('new-key').waitFor();
    await page.getByRole('button', { name: 'Done' }).click();
    expect(await keyRow(t.dataSource, apiKey.id)).toMatchObject({ rotation_grace_ends_at: T0 + DAY });

    await page.getByRole('button', { name: 'Revoke acme-one' }).click();
    await page.getByRole('dialog', { name: 'Revoke key “acme-one”?' }).getByRole('button', { name: 'Revoke' }).click();
    await rowOf(page, 'acme-one').filter({ hasText: 'Revoked' }).waitFor();
    await expect(keys().findOneByOrFail({ name: 'acme-one' })).resolves.toMatchObject({ revokedAt: T0 });

    // An admin disabled this key: the owner may not enable it again (403 KEY_DISABLED_BY_ADMIN).
    const { apiKey: locked } = await t.apiKeys.create({ ownerId: 'acme', name: 'admin-locked' });
    await t.apiKeys.update(locked.id, { enabled: false });
    await page.reload();
    await page.getByRole('button', { name: 'Enable admin-locked' }).click();
    const api = await request(t.server).patch(`/api-keys/keys/${locked.id}`).set('cookie', 'session=alice-session').send({ enabled: true });
    expect(api.status).toBe(403);
    await page.getByRole('alert').filter({ hasText: api.body.message }).waitFor();
    expect(await keyRow(t.dataSource, locked.id)).toMatchObject({ enabled: false });
    expect(unexpectedErrors(browser.errors, [403])).toEqual([]);
  });

  it('made no request outside its own origin', () => {
    expectSameOrigin(browser.requests, origin);
  });
});

describe('admin page in root mode on fastify (real browser)', () => {
  let t: TestApp;
  let origin: string;
  let browser: BrowserSession;

  beforeAll(async () => {
    ({ t, origin } = await startPageApp({ platform: 'fastify', structural: { admin: { path: 'api-keys', ui: true } } }));
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('signs in, creates a key and lists it', async () => {
    const { key: rootKey } = await t.apiKeys.create({ ownerId: 'ops', name: 'root', permissions: ['api_keys:admin'] });
    const page = await browser.newPage();
    page.setDefaultTimeout(10_000);
    await signIn(page, origin, rootKey);
    await page.getByRole('button', { name: 'Create key' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create key' });
    await dialog.getByLabel('Name').fill('fastify-bot');
    await dialog.getByLabel('Owner').fill('acme');
    await dialog.getByRole('button', { name: 'Create' }).click();
    const raw = (await page.getByTestId('new-key').textContent())!;
    await expect(t.apiKeys.verify(raw, { dryRun: true })).resolves.toMatchObject({
      valid: true,
      key: { name: 'fastify-bot', ownerId: 'acme' },
    });
    await page.getByRole('button', { name: 'Done' }).click();
    await rowOf(page, 'fastify-bot').waitFor();
    expectSameOrigin(browser.requests, origin);
    expect(unexpectedErrors(browser.errors)).toEqual([]);
  });
});

/** A well-formed key whose secret is derived from `seed`: the same rows, so the same screenshots, on every run. */
function fixedKey(seed: string): string {
  const head = `sk_live_${base62Encode(createHash('sha256').update(seed).digest()).padStart(43, '0')}`;
  return head + checksumOf(head);
}

describe('admin page screenshots for the README (docs/)', () => {
  const docs = join(__dirname, '..', 'docs');
  let t: TestApp;
  let origin: string;
  let browser: BrowserSession;
  let adminKey: string;

  beforeAll(async () => {
    const clock = fakeClock(T0 - 40 * DAY);
    ({ t, origin } = await startPageApp({
      platform: 'express',
      options: { clock, keyPrefix: 'sk_live' },
      structural: { admin: { path: 'api-keys', ui: true } },
    }));
    adminKey = fixedKey('admin');
    await t.apiKeys.import({ key: adminKey, ownerId: 'ops', name: 'root', permissions: ['api_keys:admin'] });
    const seed = async (name: string, input: Record<string, unknown>, after?: (id: string) => Promise<unknown>) => {
      clock.advance(3 * DAY + 7 * HOUR);
      const apiKey = await t.apiKeys.import({ key: fixedKey(name), name, ownerId: 'acme', ...input });
      await after?.(apiKey.id);
    };
    await seed('billing-sync', {
      permissions: ['billing:read', 'billing:write'],
      remaining: 8_420,
      refill: { amount: 10_000, interval: 'monthly' },
    });
    await seed('ci-deploy', { ownerId: 'platform-team', permissions: ['deploys:run'], expiresAt: T0 + 60 * DAY });
    await seed('legacy-export', { permissions: ['reports:*'] }, (id) => t.apiKeys.update(id, { enabled: false }));
    await seed('mobile-app', {
      ownerId: 'globex',
      permissions: ['projects:read'],
      rateLimits: [{ name: 'per-second', limit: 20, windowMs: 1000 }],
    });
    await seed('old-integration', { ownerId: 'globex' }, (id) => t.apiKeys.revoke(id));
    await seed('analytics', { permissions: ['reports:read'], expiresAt: T0 - DAY });
    await seedUsage(clock);
    clock.set(T0);
    browser = await launchBrowser({ now: T0 });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /** What billing-sync's usage panel must show for each period. */
  const usage = { hour: { total: 0, valid: 0, spent: 0 }, day: { total: 0, valid: 0, spent: 0 } };

  /**
   * billing-sync's traffic: a few calls a day for the last 19 days (some refused for a missing
   * permission), then a day's curve hour by hour, with a costlier tagged export now and then.
   */
  async function seedUsage(clock: ReturnType<typeof fakeClock>): Promise<void> {
    const raw = fixedKey('billing-sync');
    const verify = async (options: { permissions?: string[]; cost?: number; tags?: string[] }, inLastDay: boolean) => {
      const result = await t.apiKeys.verify(raw, { ip: '198.51.100.23', ...options });
      const spent = result.valid ? (options.cost ?? 1) : 0;
      for (const period of inLastDay ? [usage.hour, usage.day] : [usage.day]) {
        period.total += 1;
        period.valid += result.valid ? 1 : 0;
        period.spent += spent;
      }
    };
    for (let day = 19; day >= 1; day--) {
      clock.set(T0 - day * DAY - 3 * HOUR);
      for (let i = 0; i < 2 + ((day * 5) % 7); i++) await verify({ permissions: ['billing:read'], tags: ['invoices'] }, false);
      if (day % 6 === 0) await verify({ permissions: ['billing:admin'] }, false);
    }
    const curve = [1, 1, 0, 0, 0, 0, 1, 2, 4, 6, 7, 8, 6, 5, 7, 8, 6, 4, 3, 2, 2, 1, 1, 3];
    for (let hour = 23; hour >= 0; hour--) {
      clock.set(T0 - hour * HOUR - 15 * 60_000);
      for (let i = 0; i < curve[23 - hour]; i++) await verify({ permissions: ['billing:read'], tags: ['invoices'] }, true);
      if (hour % 7 === 3) await verify({ permissions: ['billing:admin'] }, true);
      if (hour % 5 === 0) await verify({ permissions: ['billing:read'], cost: 5, tags: ['invoices', 'export'] }, true);
    }
    await t.app.get(ApiKeyUsageService).flush();
  }

  const totalsText = (p: { total: number; valid: number; spent: number }) =>
    `${p.total} verifications: ${p.valid} valid, ${p.total - p.valid} rejected, ${p.spent} credits spent`;

  /** Opens billing-sync's details and waits for every panel to have loaded. */
  async function openBillingSync(page: Page): Promise<void> {
    await page.getByRole('button', { name: 'Details of billing-sync' }).click();
    await page.getByRole('heading', { name: 'Key “billing-sync”' }).waitFor();
    await page.getByRole('img', { name: `Last 24 hours, per hour: ${totalsText(usage.hour)}`, exact: true }).waitFor();
    await page.getByRole('img', { name: `Last 30 days, per day: ${totalsText(usage.day)}`, exact: true }).waitFor();
    await page.getByRole('table', { name: 'Recent verifications of billing-sync' }).waitFor();
    await page.getByRole('table', { name: 'Audit events of billing-sync' }).waitFor();
    await expect(page.locator('[aria-busy="true"]').count()).resolves.toBe(0);
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur()); // no focus ring in the picture
  }

  it('1440 px: the list and a key’s details, no horizontal scrolling', async () => {
    const page = await browser.newPage();
    await page.setViewportSize({ width: 1440, height: 900 });
    await signIn(page, origin, adminKey);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="key-row"]').length === 7);
    await openBillingSync(page);
    const widths = await page.evaluate(() => ({
      page: document.documentElement.scrollWidth,
      table: document.querySelector('.table-scroll')!.scrollWidth,
      box: document.querySelector('.table-scroll')!.clientWidth,
    }));
    expect(widths.page).toBeLessThanOrEqual(1440);
    expect(widths.table).toBeLessThanOrEqual(widths.box);
    const file = join(docs, 'admin-page-1440.png');
    // Ids are random UUIDs: covered, so the picture is the same on every run.
    const ids = page.locator('.details-list dd code').filter({ hasText: /^[0-9a-f-]{36}$/ });
    await expect(ids.count()).resolves.toBe(1);
    await page.screenshot({ path: file, fullPage: true, mask: [ids], maskColor: '#e6e9ed' });
    expect(statSync(file).size).toBeGreaterThan(10_000);

    // The log pages with the API's cursor: ten more, older ones, on each click.
    const log = page.getByRole('table', { name: 'Recent verifications of billing-sync' });
    const first = await cellTexts(log);
    expect(first).toHaveLength(10);
    await page.getByRole('button', { name: 'Show older verifications' }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="verifications"] tbody tr').length === 20);
    const both = await cellTexts(log);
    expect(both.slice(0, 10)).toEqual(first);
    expect(Date.parse(both[10][0])).toBeLessThanOrEqual(Date.parse(first[9][0]));
    expect(unexpectedErrors(browser.errors)).toEqual([]);
  });

  it('375 px: every key is a readable card, nothing wider than the screen', async () => {
    const page = await browser.newPage();
    await page.setViewportSize({ width: 375, height: 812 });
    await signIn(page, origin, adminKey);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="key-row"]').length === 7);
    const overflow = await page.evaluate(() => {
      const tooWide = [...document.querySelectorAll('main *')].filter((el) => el.getBoundingClientRect().right > 375 + 0.5);
      return { page: document.documentElement.scrollWidth, tooWide: tooWide.map((el) => el.outerHTML.slice(0, 80)) };
    });
    expect(overflow).toEqual({ page: 375, tooWide: [] });
    const file = join(docs, 'admin-page-375.png');
    await page.screenshot({ path: file, fullPage: true });
    expect(statSync(file).size).toBeGreaterThan(10_000);

    // The key's details: overview, usage charts and their numbers, verifications as cards.
    await openBillingSync(page);
    const details = await page.evaluate(() => {
      const tooWide = [...document.querySelectorAll('main *')].filter((el) => el.getBoundingClientRect().right > 375 + 0.5);
      return { page: document.documentElement.scrollWidth, tooWide: tooWide.map((el) => el.outerHTML.slice(0, 80)) };
    });
    expect(details).toEqual({ page: 375, tooWide: [] });
    // From the usage panel down: the overview above it is the 1440 px picture's.
    const detailsFile = join(docs, 'admin-page-details-375.png');
    const [top, bottom] = await page.evaluate(() => [
      document.querySelectorAll('section.details > .subpanel')[1].getBoundingClientRect().top + window.scrollY,
      document.querySelector('section.details')!.getBoundingClientRect().bottom + window.scrollY,
    ]);
    await page.screenshot({
      path: detailsFile,
      fullPage: true,
      clip: { x: 0, y: top - 8, width: 375, height: bottom - top + 16 },
    });
    expect(statSync(detailsFile).size).toBeGreaterThan(10_000);
    expect(unexpectedErrors(browser.errors)).toEqual([]);
    expectSameOrigin(browser.requests, origin);
  });
});
