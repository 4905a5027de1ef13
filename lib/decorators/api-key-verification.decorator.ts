import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { authenticatedRequestOf } from './authenticated-request.js';
import { REQUEST_VERIFICATION_PROPERTY } from '../api-keys.constants.js';

/**
 * The whole `VerifyResult` of the request: code, principal, and credit and rate-limit state.
 *
 * @example
 * @Get('quota') quota(@ApiKeyVerification() result: VerifyResult) { return result.remaining; }
 */
export const ApiKeyVerification = createParamDecorator((_: unknown, context: ExecutionContext) => {
  return authenticatedRequestOf(context)?.[REQUEST_VERIFICATION_PROPERTY];
});
