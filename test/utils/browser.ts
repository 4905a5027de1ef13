import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`); no test tool downloads a browser. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface BrowserSession {
  context: BrowserContext;
  /** Every URL any page of the context requested, in order. */
  requests: string[];
  /** Console errors (with the URL they concern, when there is one) and uncaught page errors, as text. */
  errors: string[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/**
 * A real headless Chromium with a fresh profile (its own --user-data-dir), in en-US on UTC,
 * recording every request and every console error so suites can assert on them.
 */
export async function launchBrowser(options: { viewport?: { width: number; height: number }; now?: number } = {}): Promise<BrowserSession> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'nest-api-keys-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    headless: true,
    locale: 'en-US',
    timezoneId: 'UTC',
    viewport: options.viewport ?? { width: 1440, height: 900 },
  });
  if (options.now !== undefined) await context.clock.setFixedTime(options.now);
  const requests: string[] = [];
  const errors: string[] = [];
  context.on('request', (request) => requests.push(request.url()));
  context.on('console', (message) => {
    // The URL says which request a "Failed to load resource" note is about.
    const url = message.location().url;
    if (message.type() === 'error') errors.push(url ? `${message.text()} (${url})` : message.text());
  });
  context.on('weberror', (error) => errors.push(String(error.error())));
  return {
    context,
    requests,
    errors,
    newPage: () => context.newPage(),
    close: async () => {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
