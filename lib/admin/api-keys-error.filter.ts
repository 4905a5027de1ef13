import { Catch, type ArgumentsHost } from '@nestjs/common';
import { BaseExceptionFilter, HttpAdapterHost } from '@nestjs/core';
import { ApiKeysError, ApiKeyValidationError, StoreUnavailableError } from '../api-keys.errors.js';
import { apiKeysHttpException } from '../guard/http-error-mapping.js';
import { isStoreUnavailableError } from '../store/store-availability.js';

/**
 * Answers the library's service errors on admin routes with their status and the body
 * `{ statusCode, error, code, message }` (plus `errors` for validation), and a database
 * outage with 503 STORE_UNAVAILABLE. Everything else goes to Nest's own handling (a bug
 * stays a 500).
 * @internal
 */
@Catch()
export class ApiKeysErrorFilter extends BaseExceptionFilter {
  constructor(private readonly adapterHost: HttpAdapterHost) {
    super(adapterHost.httpAdapter);
  }

  override catch(error: unknown, host: ArgumentsHost): void {
    const known =
      error instanceof ApiKeysError
        ? error
        : isStoreUnavailableError(error)
          ? new StoreUnavailableError((error as Error).message)
          : undefined;
    if (!known) return super.catch(error, host);
    const response = host.switchToHttp().getResponse();
    const adapter = this.adapterHost.httpAdapter;
    const extra = known instanceof ApiKeyValidationError ? { errors: known.errors } : {};
    if (known instanceof StoreUnavailableError) adapter.setHeader(response, 'Retry-After', '1');
    const exception = apiKeysHttpException(known.status, known.code, known.message, extra);
    adapter.reply(response, exception.getResponse(), known.status);
  }
}
