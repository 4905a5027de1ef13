/**
 * Every outcome of a verification, in the order the checks run (SPEC §6). This list and
 * its messages are the one place the codes are defined.
 */
export const VERIFY_CODES = [
  'MALFORMED',
  'NOT_FOUND',
  'IP_NOT_ALLOWED',
  'REVOKED',
  'DISABLED',
  'EXPIRED',
  'ROTATION_GRACE_EXPIRED',
  'IDLE_TIMEOUT',
  'INSUFFICIENT_PERMISSIONS',
  'RATE_LIMITED',
  'USAGE_EXCEEDED',
  'VALID',
] as const;

export type VerifyCode = (typeof VERIFY_CODES)[number];

/** Codes the guard answers without a verify: no key, brute force, store down. */
export type GuardOnlyCode = 'MISSING' | 'TOO_MANY_ATTEMPTS' | 'STORE_UNAVAILABLE';
