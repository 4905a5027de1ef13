import { Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { API_KEYS_RESOLVED_OPTIONS } from '../api-keys.internal-constants.js';
import type { ResolvedApiKeysOptions } from '../api-keys.options.js';
import { withStoreDeadline } from '../store/store-availability.js';

/**
 * Every admin route answers within `storeTimeoutMs` (SPEC §9): a handler still waiting on a
 * hung database when the deadline passes answers 503 STORE_UNAVAILABLE (through the admin error
 * filter), with host guards as with the root key. The verify of a root key has its own deadline.
 * @internal
 */
@Injectable()
export class AdminDeadlineInterceptor implements NestInterceptor {
  constructor(@Inject(API_KEYS_RESOLVED_OPTIONS) private readonly options: ResolvedApiKeysOptions) {}

  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return from(withStoreDeadline(() => lastValueFrom(next.handle(), { defaultValue: undefined }), this.options.storeTimeoutMs));
  }
}
