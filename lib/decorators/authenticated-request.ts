import type { ExecutionContext } from '@nestjs/common';
import { REQUEST_VERIFICATION_PROPERTY } from '../api-keys.constants.js';

const carriesVerification = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && REQUEST_VERIFICATION_PROPERTY in value;

/**
 * The request the guard authenticated, for the parameter decorators: the handler argument (or
 * the `req` of one, as a GraphQL context holds it) on which the guard left its verification.
 * So `@CurrentApiKey()` and `@ApiKeyVerification()` work wherever a guard subclass's
 * `getRequest` found the request, not only over HTTP. Falls back to the HTTP request.
 * @internal
 */
export function authenticatedRequestOf(context: ExecutionContext): any {
  for (const argument of context.getArgs()) {
    if (carriesVerification(argument)) return argument;
    const nested = (argument as { req?: unknown } | null | undefined)?.req;
    if (carriesVerification(nested)) return nested;
  }
  return context.switchToHttp().getRequest();
}
