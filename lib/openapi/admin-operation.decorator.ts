import { SetMetadata, type Type } from '@nestjs/common';
import type { ErrorCodes } from './error-responses.js';

/** @internal Metadata key of `@AdminOperation`. */
export const ADMIN_OPERATION_KEY = 'API_KEYS:openapi_operation';

/** What an admin route declares for the OpenAPI document. @internal */
export interface AdminOperationOptions {
  /** One line shown next to the route. */
  summary: string;
  /** The model of the success body (from response.models.ts). */
  response?: Type<unknown>;
  /**
   * Errors only this route answers. The guard's 401/403/429/503, a 400 for routes that
   * validate a body or query, and a 404 for routes with a path parameter are added for every
   * admin route.
   */
  errors?: ErrorCodes;
}

/**
 * Describes an admin route for the host's OpenAPI document; everything else (tag, security,
 * request schemas from the DTOs' validators, common errors) comes from `@AdminController`.
 * Inert metadata: it loads nothing of swagger.
 *
 * @example
 * @Post(':id/rotate')
 * @AdminOperation({ summary: 'Rotate a key', response: CreatedApiKeyModel, errors: { 409: ['KEY_NOT_ROTATABLE'] } })
 * rotate(@Param('id', ParseKeyIdPipe) id: string, @Body() body: RotateApiKeyDto) {}
 * @internal
 */
export function AdminOperation(options: AdminOperationOptions): MethodDecorator {
  return SetMetadata(ADMIN_OPERATION_KEY, options);
}
