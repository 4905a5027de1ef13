import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { authenticatedRequestOf } from './authenticated-request.js';
import { REQUEST_API_KEY_PROPERTY } from '../api-keys.constants.js';

/**
 * The verified `ApiKeyPrincipal` of the request (undefined on an `@OptionalApiKey` route
 * called without a key).
 *
 * @example
 * @Get('me') me(@CurrentApiKey() key: ApiKeyPrincipal) { return key.ownerId; }
 */
export const CurrentApiKey = createParamDecorator((_: unknown, context: ExecutionContext) => {
  return authenticatedRequestOf(context)?.[REQUEST_API_KEY_PROPERTY];
});
