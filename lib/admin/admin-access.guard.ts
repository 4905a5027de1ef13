import { Inject, Injectable, type CanActivate, type ExecutionContext, type Type } from '@nestjs/common';
import { HttpAdapterHost, ModuleRef, Reflector } from '@nestjs/core';
import { isObservable, lastValueFrom } from 'rxjs';
import { ADMIN_PERMISSION, REQUEST_API_KEY_PROPERTY } from '../api-keys.constants.js';
import { API_KEYS_FAILED_ATTEMPTS, API_KEYS_RESOLVED_OPTIONS, REQUEST_ADMIN_ACTOR_PROPERTY } from '../api-keys.internal-constants.js';
import type { FailedAttempts } from '../quotas/failed-attempts.js';
import type { ResolvedApiKeysOptions } from '../api-keys.options.js';
import { ApiKeyGuard } from '../guard/api-key.guard.js';
import { ForbiddenError, UnsupportedMediaTypeError } from '../api-keys.errors.js';
import type { AdminActor, ApiKeysAdminOptions } from '../interfaces/api-keys-options.interface.js';
import { ApiKeyService } from '../keys/api-key.service.js';
import { toAdminActor } from './admin-actor.js';
import { API_KEYS_ADMIN_OPTIONS } from './api-keys-admin.options.js';

/**
 * Protects the admin API: by default a root key holding `api_keys:admin` (which `*` never
 * grants); with `admin.guards`, the host's guards, and `adminPolicy.resolveActor` names the
 * actor. Ignores `@SkipApiKey`, which only opts admin routes out of the global ApiKeyGuard.
 * @internal
 */
@Injectable()
export class AdminAccessGuard extends ApiKeyGuard {
  constructor(
    reflector: Reflector,
    apiKeys: ApiKeyService,
    adapterHost: HttpAdapterHost,
    @Inject(API_KEYS_RESOLVED_OPTIONS) options: ResolvedApiKeysOptions,
    @Inject(API_KEYS_FAILED_ATTEMPTS) failedAttempts: FailedAttempts | null,
    @Inject(API_KEYS_ADMIN_OPTIONS) private readonly admin: ApiKeysAdminOptions,
    private readonly moduleRef: ModuleRef,
  ) {
    super(reflector, apiKeys, adapterHost, options, failedAttempts);
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = this.getRequest(context);
    const hostGuards = this.admin.guards ?? [];
    if (hostGuards.length === 0) {
      await this.authenticate(context, { permissions: [ADMIN_PERMISSION] });
      request[REQUEST_ADMIN_ACTOR_PROPERTY] = { actorId: `key:${request[REQUEST_API_KEY_PROPERTY].id}`, admin: true } satisfies AdminActor;
      return true;
    }
    rejectCrossSiteWrite(request);
    for (const guardType of hostGuards) {
      if (!(await this.runHostGuard(guardType, context))) {
        throw new ForbiddenError();
      }
    }
    request[REQUEST_ADMIN_ACTOR_PROPERTY] = await this.resolveActor(request);
    return true;
  }

  /**
   * The actor `adminPolicy.resolveActor` names (SPEC §9); without it the host guards grant full
   * admin access. Anything but an owner-scoped or an explicit admin actor — a throw included — is
   * 403, never an administrator by default.
   */
  private async resolveActor(request: unknown): Promise<AdminActor> {
    const resolve = this.options.adminPolicy.resolveActor;
    if (!resolve) return { actorId: 'admin', admin: true };
    let answer: unknown;
    try {
      answer = await resolve(request);
    } catch (error) {
      this.logger.warn(`adminPolicy.resolveActor threw: ${(error as Error)?.message ?? String(error)}`);
      throw new ForbiddenError('adminPolicy.resolveActor did not name an actor.');
    }
    const actor = toAdminActor(answer);
    if (!actor) {
      throw new ForbiddenError('adminPolicy.resolveActor must answer { actorId, ownerId } (owner-scoped) or { actorId, admin: true }.');
    }
    return actor;
  }

  private async runHostGuard(guardType: Type<CanActivate>, context: ExecutionContext): Promise<boolean> {
    const guard = this.moduleRef.get(guardType, { strict: false });
    const verdict = guard.canActivate(context);
    return isObservable(verdict) ? lastValueFrom(verdict) : verdict;
  }
}

// DELETE is left out: it is no CORS-safelisted method, so neither a form nor a no-cors fetch can
// send it cross-site, and it carries no body to label (Fastify refuses an empty body sent as
// application/json, so a body-less DELETE could not satisfy the rule there at all).
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/**
 * Behind host guards the caller is usually a browser session (a cookie), which a page on another
 * site can ride with a plain form or a no-cors fetch: those can only send form, multipart or text
 * bodies. A write must therefore say `Content-Type: application/json`, which a cross-site page
 * cannot send without a CORS preflight the host never grants. (A root key travels in a header,
 * which no cross-site request carries, so the root-key mode needs no such rule.)
 */
function rejectCrossSiteWrite(request: { method?: string; headers?: Record<string, unknown> }): void {
  if (!WRITE_METHODS.has(String(request.method).toUpperCase())) return;
  const type = String(request.headers?.['content-type'] ?? '')
    .split(';')[0]
    .trim()
    .toLowerCase();
  if (type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'))) return;
  throw new UnsupportedMediaTypeError();
}
