import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ApiKeysError, ApiKeyValidationError, StoreUnavailableError } from '../api-keys.errors.js';
import { apiKeysHttpException } from '../guard/http-error-mapping.js';

/**
 * Answers the library's service errors on admin routes with their status and the body
 * `{ statusCode, error, code, message }` (plus `errors` for validation). Other errors are
 * left to Nest (a bug stays a 500).
 * @internal
 */
@Catch(ApiKeysError)
export class ApiKeysErrorFilter implements ExceptionFilter {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(error: ApiKeysError, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse();
    const adapter = this.adapterHost.httpAdapter;
    const extra = error instanceof ApiKeyValidationError ? { errors: error.errors } : {};
    if (error instanceof StoreUnavailableError) adapter.setHeader(response, 'Retry-After', '1');
    const exception = apiKeysHttpException(error.status, error.code, error.message, extra);
    adapter.reply(response, exception.getResponse(), error.status);
  }
}
