import { HttpException, HttpStatus } from '@nestjs/common';
import type { GuardOnlyCode, VerifyCode } from '../interfaces/verify-code.interface.js';
import { VERIFY_MESSAGES } from '../verification/verify-codes.js';
import type { RateLimitState } from '../interfaces/verify-result.interface.js';
import { API_KEYS_ERROR_STATUS } from '../api-keys.errors.js';

export type DenialCode = Exclude<VerifyCode, 'VALID'> | GuardOnlyCode;

/** The HTTP status of every denial (SPEC §7): the one place this mapping lives. */
export const DENIAL_STATUS: Record<DenialCode, number> = {
  MISSING: HttpStatus.UNAUTHORIZED,
  MALFORMED: HttpStatus.UNAUTHORIZED,
  NOT_FOUND: HttpStatus.UNAUTHORIZED,
  REVOKED: HttpStatus.UNAUTHORIZED,
  DISABLED: HttpStatus.UNAUTHORIZED,
  EXPIRED: HttpStatus.UNAUTHORIZED,
  ROTATION_GRACE_EXPIRED: HttpStatus.UNAUTHORIZED,
  IDLE_TIMEOUT: HttpStatus.UNAUTHORIZED,
  INSUFFICIENT_PERMISSIONS: HttpStatus.FORBIDDEN,
  IP_NOT_ALLOWED: HttpStatus.FORBIDDEN,
  RATE_LIMITED: HttpStatus.TOO_MANY_REQUESTS,
  USAGE_EXCEEDED: HttpStatus.TOO_MANY_REQUESTS,
  TOO_MANY_ATTEMPTS: HttpStatus.TOO_MANY_REQUESTS,
  STORE_UNAVAILABLE: API_KEYS_ERROR_STATUS.STORE_UNAVAILABLE,
};

const REASON: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

const GUARD_MESSAGES: Record<GuardOnlyCode, string> = {
  MISSING: 'An API key is required.',
  TOO_MANY_ATTEMPTS: 'Too many failed attempts; retry later.',
  STORE_UNAVAILABLE: 'The API key store is unavailable; retry shortly.',
};

export function messageOf(code: DenialCode): string {
  return code in GUARD_MESSAGES ? GUARD_MESSAGES[code as GuardOnlyCode] : VERIFY_MESSAGES[code as VerifyCode];
}

/** The library's error body `{ statusCode, error, code, message }` as an HttpException. */
export function apiKeysHttpException(status: number, code: string, message: string, extra: object = {}): HttpException {
  return new HttpException({ statusCode: status, error: REASON[status] ?? 'Error', code, message, ...extra }, status);
}

/**
 * `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (delta-seconds) of the limit
 * with the least remaining; on success and on RATE_LIMITED alike.
 */
export function rateLimitHeaders(state: RateLimitState, now: number): Record<string, string> {
  return {
    'RateLimit-Limit': String(state.limit),
    'RateLimit-Remaining': String(state.remaining),
    'RateLimit-Reset': String(Math.max(0, Math.ceil((state.resetAt - now) / 1000))),
  };
}

/** Headers that go with a denial (SPEC §7). */
export function denialHeaders(code: DenialCode, retryAfterMs?: number): Record<string, string> {
  const status = DENIAL_STATUS[code];
  const headers: Record<string, string> = {};
  if (status === HttpStatus.UNAUTHORIZED) headers['WWW-Authenticate'] = 'ApiKey';
  if (code === 'STORE_UNAVAILABLE') headers['Retry-After'] = '1';
  if (retryAfterMs !== undefined) headers['Retry-After'] = String(Math.max(1, Math.ceil(retryAfterMs / 1000)));
  return headers;
}
