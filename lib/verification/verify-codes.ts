import type { VerifyCode } from '../interfaces/verify-code.interface.js';

/** The message of each verify outcome. */
export const VERIFY_MESSAGES: Record<VerifyCode, string> = {
  MALFORMED: 'The API key is malformed.',
  NOT_FOUND: 'The API key does not exist.',
  IP_NOT_ALLOWED: 'The API key may not be used from this address.',
  REVOKED: 'The API key has been revoked.',
  DISABLED: 'The API key is disabled.',
  EXPIRED: 'The API key has expired.',
  // The failing grace may be this key's or a later rotation's in its lineage (A → B → C).
  ROTATION_GRACE_EXPIRED: 'The API key was rotated and a rotation grace period in its lineage has ended; use the newest key.',
  IDLE_TIMEOUT: 'The API key was unused for longer than its idle timeout.',
  INSUFFICIENT_PERMISSIONS: 'The API key lacks the required permissions.',
  RATE_LIMITED: 'The API key is over its rate limit.',
  USAGE_EXCEEDED: 'The API key has no usage credits left.',
  VALID: 'The API key is valid.',
};
