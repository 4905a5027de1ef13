import { STATUS_CODES } from 'node:http';
import { DENIAL_STATUS } from '../guard/http-error-mapping.js';
import { ApiKeysErrorModel } from './response.models.js';
import type { SwaggerApi } from './swagger.loader.js';

/** The error statuses the library answers with. @internal */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 429 | 500 | 501 | 503;

/** Error codes a route can answer, by status. @internal */
export type ErrorCodes = Partial<Record<ErrorStatus, readonly string[]>>;

/** Everything ApiKeyGuard can deny with (SPEC §7), read from its status mapping. @internal */
export const GUARD_ERRORS: ErrorCodes = Object.entries(DENIAL_STATUS).reduce<Record<number, string[]>>((errors, [code, status]) => {
  (errors[status] ??= []).push(code);
  return errors;
}, {});

/** Codes per status of all of `sources`, each code once. @internal */
export function mergeErrors(...sources: ErrorCodes[]): ErrorCodes {
  const merged: Record<number, string[]> = {};
  for (const source of sources) {
    for (const [status, codes] of Object.entries(source))
      merged[Number(status)] = [...new Set([...(merged[Number(status)] ?? []), ...codes!])];
  }
  return merged;
}

/**
 * Swagger decorators for `errors`: one response per status, with the error body schema and
 * the codes it can carry, e.g. "Unauthorized: MISSING, MALFORMED, …".
 * @internal
 */
export function errorResponses(swagger: SwaggerApi, errors: ErrorCodes): (MethodDecorator & ClassDecorator)[] {
  return Object.entries(errors)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([status, codes]) =>
      swagger.ApiResponse({
        status: Number(status),
        description: codes!.length ? `${STATUS_CODES[status]}: ${codes!.join(', ')}` : `${STATUS_CODES[status]}`,
        type: ApiKeysErrorModel,
      }),
    );
}
