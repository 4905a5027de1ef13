import { Controller, Get, Inject, Param, Req, Res, VERSION_NEUTRAL } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { SkipApiKey } from '../../decorators/skip-api-key.decorator.js';
import { apiKeysHttpException } from '../../guard/http-error-mapping.js';
import { ADMIN_PAGE_CSP, type AdminPage } from './admin-page-assets.js';
import { ADMIN_PAGE } from './admin-page.tokens.js';

/**
 * Serves the admin page (`GET {path}/ui`) and its script, style and icon
 * (`GET {path}/ui/assets/:file`). These hold no data, so they are not behind the admin
 * protection: the page asks for an admin key, or rides on the host's session, when it calls
 * the API. Headers go through the HTTP adapter, so Express and Fastify answer alike.
 * @internal
 */
@Controller({ path: 'ui', version: VERSION_NEUTRAL })
@SkipApiKey()
export class AdminPageController {
  constructor(
    @Inject(ADMIN_PAGE) private readonly page: AdminPage,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  @Get()
  html(@Req() request: unknown, @Res() response: unknown): void {
    const adapter = this.adapterHost.httpAdapter;
    // The page addresses the API relative to its own URL, which only works without a trailing slash.
    const path = String(adapter.getRequestUrl(request) ?? '').split('?')[0];
    if (path.endsWith('/')) return adapter.redirect(response, 301, '../ui');
    this.send(response, 'text/html; charset=utf-8', this.page.html);
  }

  @Get('assets/:file')
  asset(@Param('file') file: string, @Res() response: unknown): void {
    const asset = this.page.assets.get(file);
    if (!asset) throw apiKeysHttpException(404, 'NOT_FOUND', 'No such admin page asset.');
    this.send(response, asset.contentType, asset.body);
  }

  private send(response: unknown, contentType: string, body: string): void {
    const adapter = this.adapterHost.httpAdapter;
    adapter.setHeader(response, 'Content-Type', contentType);
    adapter.setHeader(response, 'Content-Security-Policy', ADMIN_PAGE_CSP);
    adapter.setHeader(response, 'X-Content-Type-Options', 'nosniff');
    adapter.setHeader(response, 'Referrer-Policy', 'no-referrer');
    // Always revalidate, so an upgraded package serves its new page at once.
    adapter.setHeader(response, 'Cache-Control', 'no-cache');
    adapter.reply(response, body, 200);
  }
}
