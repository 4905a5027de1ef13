import { Controller, Get, Post, UseGuards } from '@nestjs/common';
import {
  ApiKeyCost,
  ApiKeyGuard,
  ApiKeyVerification,
  CurrentApiKey,
  OptionalApiKey,
  RequirePermissions,
  type ApiKeyPrincipal,
  type VerifyResult,
} from '../lib/index.js';

/** A guarded demo API: every route needs an API key, some need permissions. */
@Controller()
@UseGuards(ApiKeyGuard)
export class ProjectsController {
  private readonly projects = [
    { id: 1, name: 'Apollo' },
    { id: 2, name: 'Gemini' },
  ];

  /** Needs `projects:read` (granted by `projects:read`, `projects:*` or `*`). */
  @RequirePermissions('projects:read')
  @Get('projects')
  list(@CurrentApiKey() key: ApiKeyPrincipal) {
    return { owner: key.ownerId, projects: this.projects };
  }

  /** An expensive call: spends 5 credits of a key with a balance (429 USAGE_EXCEEDED when out). */
  @RequirePermissions('projects:read')
  @ApiKeyCost(5)
  @Get('projects/export')
  export(@ApiKeyVerification() result: VerifyResult) {
    return { exported: this.projects.length, creditsLeft: result.remaining ?? 'unlimited' };
  }

  /** Needs `projects:write`: a read-only key gets 403 INSUFFICIENT_PERMISSIONS. */
  @RequirePermissions('projects:write')
  @Post('projects')
  create() {
    return { created: true };
  }

  /** Who is calling, and the whole verification result. */
  @Get('me')
  me(@ApiKeyVerification() result: VerifyResult) {
    return result;
  }

  /** Works without a key; a key that is sent must be valid. */
  @OptionalApiKey()
  @Get('hello')
  hello(@CurrentApiKey() key?: ApiKeyPrincipal) {
    return { hello: key ? key.ownerId : 'anonymous' };
  }
}
