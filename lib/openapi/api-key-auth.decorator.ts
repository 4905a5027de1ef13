import { applyDecorators, UseGuards } from '@nestjs/common';
import { ApiKeyGuard } from '../guard/api-key.guard.js';
import { errorResponses, GUARD_ERRORS } from './error-responses.js';
import { API_KEY_SECURITY_SCHEME } from './openapi.constants.js';
import { loadSwagger } from './swagger.loader.js';

/**
 * `@UseGuards(ApiKeyGuard)` that also documents itself: with `@nestjs/swagger` installed, the
 * route (or every route of the controller) requires the `api-key` security scheme and lists
 * the guard's 401, 403, 429 and 503 answers with the library's error body. Without swagger it
 * is exactly `@UseGuards(ApiKeyGuard)`. As with any swagger response decorator, a route that
 * declares responses lists only those, so on a single route also declare its success
 * (`@ApiOkResponse()`); on a controller, routes keep their default success response.
 *
 * @example
 * @Controller('invoices')
 * @ApiKeyAuth()
 * @RequirePermissions('billing:read')
 * export class InvoicesController {}
 */
export function ApiKeyAuth(): MethodDecorator & ClassDecorator {
  const swagger = loadSwagger();
  const docs = swagger ? [swagger.ApiSecurity(API_KEY_SECURITY_SCHEME), ...errorResponses(swagger, GUARD_ERRORS)] : [];
  return applyDecorators(UseGuards(ApiKeyGuard), ...docs);
}
