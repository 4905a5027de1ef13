import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { ApiKeyValidationError } from '../api-keys.errors.js';
import { MAX_BODY_DEPTH, MAX_META_DEPTH, nestsDeeperThan } from './body-depth.js';

/**
 * Bounds the nesting of admin request bodies and queries (SPEC §9: bodies 16 levels, `meta` 8)
 * before anything transforms them. An interceptor, because interceptors run before every pipe:
 * the host's global ValidationPipe runs before the admin controllers' own pipe, and
 * class-transformer's recursion overflows the stack on a 3,000-level `meta` (a 500).
 * @internal
 */
@Injectable()
export class AdminInputBoundsInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest();
    for (const [part, value] of [['body', request.body] as const, ['query', request.query] as const]) {
      if (nestsDeeperThan((value as { meta?: unknown } | null | undefined)?.meta, MAX_META_DEPTH)) {
        throw ApiKeyValidationError.field('meta', `meta must not nest deeper than ${MAX_META_DEPTH} levels`);
      }
      if (nestsDeeperThan(value, MAX_BODY_DEPTH)) {
        throw ApiKeyValidationError.field(part, `the ${part} must not nest deeper than ${MAX_BODY_DEPTH} levels`);
      }
    }
    return next.handle();
  }
}
