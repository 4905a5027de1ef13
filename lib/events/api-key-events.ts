import { Inject, Injectable, Logger } from '@nestjs/common';
import { Observable, Subject } from 'rxjs';
import { API_KEYS_RESOLVED_OPTIONS } from '../api-keys.internal-constants.js';
import type { ResolvedApiKeysOptions } from '../api-keys.options.js';
import type { ApiKeyEvent } from '../interfaces/api-key-event.interface.js';

/**
 * Where the library's events go: the `onEvent` option and `ApiKeyService.events$`. A handler
 * that throws is logged and never breaks the request that caused the event; events never
 * carry raw keys or secrets.
 * @internal
 */
@Injectable()
export class ApiKeyEvents {
  private readonly subject = new Subject<ApiKeyEvent>();
  readonly events$: Observable<ApiKeyEvent> = this.subject.asObservable();
  private readonly logger = new Logger('ApiKeys');

  constructor(@Inject(API_KEYS_RESOLVED_OPTIONS) private readonly options: ResolvedApiKeysOptions) {}

  emit(event: ApiKeyEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch (error) {
      this.logger.warn(`onEvent handler threw for ${event.type}: ${(error as Error).message}`);
    }
    try {
      this.subject.next(event);
    } catch (error) {
      this.logger.warn(`An events$ subscriber threw for ${event.type}: ${(error as Error).message}`);
    }
  }
}
